// Test support: a WRENCH-style matrix file (../shared/data/wrench) read from disk, for tests of shared/ and the
// server that compare with WRENCH and Snorkel numbers (the CLI reads the same files with cli/matrix-input.ts).
import { readFileSync } from 'node:fs';
import { labelMatrixInputFromWrench, type LabelMatrixInput } from '../shared/labelmodel/wrench-input.ts';

export function readWrenchMatrix(path: string): LabelMatrixInput {
  return labelMatrixInputFromWrench(readFileSync(path, 'utf8'), path);
}
