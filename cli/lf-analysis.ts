// `reef lf-analysis`: Snorkel's LFAnalysis summary (coverage, overlaps, conflicts, polarity, empirical accuracy)
// of one split of a WRENCH-style label matrix file, computed by shared/analysis.
import { Command, Option } from 'commander';
import { analyzeLabelMatrix, type LabelMatrixAnalysis } from '../shared/analysis/analyze.ts';
import { readLabelMatrixInput, type SplitName } from './matrix-input.ts';

const BAD_INPUT_EXIT = 2;
const SPLITS = ['train', 'valid', 'test'] as const;

interface LfAnalysisOptions {
  matrix: string;
  split: SplitName;
  json?: boolean;
}

export interface LfAnalysisOutput {
  split: SplitName;
  n: number;
  m: number;
  k: number;
  coverage: number;
  overlap: number;
  conflict: number;
  lfs: {
    j: number;
    polarity: number[];
    coverage: number;
    overlaps: number;
    conflicts: number;
    /** null when the split has no gold labels. */
    correct: number | null;
    incorrect: number | null;
    empirical_accuracy: number | null;
  }[];
}

class LfAnalysisInputError extends Error {
  readonly code = 'BAD_INPUT';
}

export function registerLfAnalysisCommand(program: Command): void {
  const command = program
    .command('lf-analysis')
    .description("Per-LF coverage, overlaps, conflicts, polarity and accuracy on gold (Snorkel's LFAnalysis definitions)")
    .requiredOption('--matrix <file.json>', 'WRENCH-style JSON: cardinality, L_train, Y_train, L_valid, Y_valid, L_test, Y_test')
    .addOption(new Option('--split <name>', 'which split to analyse').choices(SPLITS).default('train'))
    .option('--json', 'print one JSON object')
    .showHelpAfterError(false)
    .action((options: LfAnalysisOptions) => {
      try {
        const result = lfAnalysisOfFile(options.matrix, options.split);
        process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : formatTable(result));
      } catch (e) {
        if ((e as { code?: unknown } | null)?.code !== 'BAD_INPUT') throw e;
        process.stderr.write(`reef lf-analysis: ${(e as Error).message}\n`);
        process.exit(BAD_INPUT_EXIT);
      }
    });
  // Commander's own errors (missing --matrix, unknown split) are bad input too: exit 2, one line.
  command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : BAD_INPUT_EXIT));
}

export function lfAnalysisOfFile(path: string, split: SplitName): LfAnalysisOutput {
  const input = readLabelMatrixInput({ matrix: path });
  const data = input.splits[split];
  if (!data) {
    const present = SPLITS.filter((s) => input.splits[s]);
    throw new LfAnalysisInputError(`${path} has no L_${split}; pick --split ${present.join(' or ')}`);
  }
  return toOutput(split, analyzeLabelMatrix(data.L, data.n, data.m, input.k, data.Y));
}

function toOutput(split: SplitName, a: LabelMatrixAnalysis): LfAnalysisOutput {
  return {
    split,
    n: a.n,
    m: a.m,
    k: a.k,
    coverage: a.coverage,
    overlap: a.overlap,
    conflict: a.conflict,
    lfs: a.lfs.map((s) => ({
      j: s.j,
      polarity: s.polarity,
      coverage: s.coverage,
      overlaps: s.overlaps,
      conflicts: s.conflicts,
      correct: s.correct ?? null,
      incorrect: s.incorrect ?? null,
      empirical_accuracy: s.empiricalAccuracy ?? null,
    })),
  };
}

function formatTable(r: LfAnalysisOutput): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `${r.split}: ${r.n} rows × ${r.m} LFs, k=${r.k}; coverage ${pct(r.coverage)}, overlap ${pct(r.overlap)}, conflict ${pct(r.conflict)}`,
    ['j', 'polarity', 'coverage', 'overlaps', 'conflicts', 'correct', 'incorrect', 'emp. acc.'].map((h) => h.padStart(10)).join(''),
    ...r.lfs.map((s) => [
      String(s.j), `[${s.polarity.join(',')}]`, pct(s.coverage), pct(s.overlaps), pct(s.conflicts),
      s.correct === null ? '-' : String(s.correct), s.incorrect === null ? '-' : String(s.incorrect),
      s.empirical_accuracy === null ? '-' : s.empirical_accuracy.toFixed(3),
    ].map((c) => c.padStart(10)).join('')),
  ];
  return `${lines.join('\n')}\n`;
}
