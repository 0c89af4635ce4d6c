// Runs the real `reef` binary, as a user or the benchmark would.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLabelMatrix, spreadLfQualities } from '../shared/labelmodel/synthetic.ts';

const reef = fileURLToPath(new URL('../bin/reef.js', import.meta.url));
const wrenchDir = fileURLToPath(new URL('../../shared/data/wrench/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'reef-label-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [reef, 'label-model', 'eval', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A minimal NumPy .npy writer (format 1.0, little-endian, C order). */
function writeNpy(path: string, values: ArrayLike<number>, shape: number[], dtype: '<i1' | '<i2' | '<i4' | '<i8'): void {
  const width = Number(dtype.slice(2));
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const data = Buffer.alloc(values.length * width);
  for (let i = 0; i < values.length; i++) {
    if (width === 1) data.writeInt8(values[i], i);
    else if (width === 2) data.writeInt16LE(values[i], i * 2);
    else if (width === 4) data.writeInt32LE(values[i], i * 4);
    else data.writeBigInt64LE(BigInt(values[i]), i * 8);
  }
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble[6] = 1;
  preamble.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([preamble, Buffer.from(header, 'latin1'), data]));
}

describe('reef label-model eval with .npy input', () => {
  const { accuracies, coverages } = spreadLfQualities(8, [0.6, 0.9], [0.2, 0.7]);
  const train = generateLabelMatrix({ n: 2000, k: 2, accuracies, coverages, seed: 1 });
  const test = generateLabelMatrix({ n: 500, k: 2, accuracies, coverages, seed: 2 });
  writeNpy(join(work, 'L_train.npy'), train.L, [train.n, train.m], '<i8');
  writeNpy(join(work, 'L_test.npy'), test.L, [test.n, test.m], '<i1');
  writeNpy(join(work, 'Y_test.npy'), test.Y, [test.n], '<i4');

  it('fits on train, scores test and prints one JSON object', () => {
    const out = run('--train', join(work, 'L_train.npy'), '--test', join(work, 'L_test.npy'), '--test-labels', join(work, 'Y_test.npy'), '--model', 'snorkel', '--epochs', '200', '--probs', '--json');
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]);
    expect(Object.keys(result).sort()).toEqual(['fit_ms', 'model', 'params', 'predict_ms', 'test', 'test_probs']);
    expect(result.model).toBe('snorkel');
    expect(result.params).toMatchObject({ nEpochs: 200, lr: 0.01, seed: 123, optimizer: 'sgd' });
    expect(result.test.coverage).toBe(1);
    expect(result.test.accuracy).toBeGreaterThan(0.85);
    expect(result.test_probs).toHaveLength(500);
    expect(result.test_probs[0][0] + result.test_probs[0][1]).toBeCloseTo(1, 12);
  });

  it('fs fits the triplet method: params name its class balance and aggregate', () => {
    const out = run('--train', join(work, 'L_train.npy'), '--test', join(work, 'L_test.npy'), '--test-labels', join(work, 'Y_test.npy'), '--model', 'fs', '--triplet-aggregate', 'median', '--json');
    const result = JSON.parse(out.stdout);
    expect(result.model).toBe('fs');
    expect(result.params).toEqual({ classBalance: [0.5, 0.5], aggregate: 'median', unestimated: [] });
    expect(result.test.accuracy).toBeGreaterThan(0.85);
  });

  it('majority vote scores every row with the hash tie-break', () => {
    const out = run('--train', join(work, 'L_train.npy'), '--test', join(work, 'L_test.npy'), '--test-labels', join(work, 'Y_test.npy'), '--model', 'mv', '--json');
    const result = JSON.parse(out.stdout);
    expect(result.test.coverage).toBe(1);
    expect(result.test_probs).toBeUndefined();
  });
});

describe('reef label-model eval refuses bad input with exit code 2 and one line', () => {
  const expectBadInput = (out: ReturnType<typeof run>, pattern: RegExp) => {
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  };

  it('a missing file', () => {
    expectBadInput(run('--matrix', join(work, 'nope.json'), '--json'), /nope\.json: file not found/);
  });

  it('ragged rows', () => {
    const path = join(work, 'ragged.json');
    writeFileSync(path, JSON.stringify({ cardinality: 2, L_train: [[0, 1, 0], [1, 0]], L_test: [[0, 1, 0]], Y_test: [0] }));
    expectBadInput(run('--matrix', path, '--json'), /ragged rows, row 1 has 2 entries/);
  });

  it('a label outside -1..k-1', () => {
    const path = join(work, 'range.json');
    writeFileSync(path, JSON.stringify({ cardinality: 2, L_train: [[0, 1, 0], [1, 2, 0]], L_test: [[0, 1, 0]], Y_test: [0] }));
    expectBadInput(run('--matrix', path, '--json'), /row 1, LF 1 is 2, outside -1\.\.1/);
  });

  it('k < 2', () => {
    const path = join(work, 'k1.json');
    writeFileSync(path, JSON.stringify({ cardinality: 1, L_train: [[0, 0, 0]], L_test: [[0, 0, 0]], Y_test: [0] }));
    expectBadInput(run('--matrix', path, '--json'), /cardinality.*≥ 2/);
  });

  it('a 1-D label matrix in .npy', () => {
    writeNpy(join(work, 'flat.npy'), [0, 1, 0], [3], '<i4');
    expectBadInput(run('--train', join(work, 'flat.npy'), '--json'), /must be 2-D/);
  });

  it('fs with fewer than 3 LFs', () => {
    const path = join(work, 'two-lfs.json');
    writeFileSync(path, JSON.stringify({ cardinality: 2, L_train: [[0, 1], [1, 1]], L_test: [[0, 1]], Y_test: [0] }));
    expectBadInput(run('--matrix', path, '--model', 'fs', '--json'), /triplet method needs at least 3 labeling functions, got 2/);
  });

  it('an unknown model name', () => {
    expectBadInput(run('--matrix', join(work, 'range.json'), '--model', 'foo'), /Allowed choices are mv, snorkel, ds, fs, auto/);
  });
});

describe.skipIf(!existsSync(wrenchDir))('reef label-model eval on WRENCH files', () => {
  it('reproduces the README baseline: youtube, Snorkel 500 epochs, seed 123 → 84.00', () => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, 'youtube.json'), '--model', 'snorkel', '--epochs', '500', '--json').stdout);
    expect(result.test.accuracy).toBeCloseTo(0.84, 10);
  });

  it('reproduces the README baseline: trec majority vote → 60.80', () => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, 'trec.json'), '--model', 'mv', '--json').stdout);
    expect(result.test.accuracy).toBeCloseTo(0.608, 10);
  });

  it('fs on tennis_fs (FlyingSquid\'s own tutorial matrix): 86.14 binary F1, above the README\'s best 85.71', () => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, 'tennis_fs.json'), '--model', 'fs', '--json').stdout);
    expect(result.test.f1_binary).toBeCloseTo(0.8614, 4);
  });

  // The README's best baseline per file and its WRENCH metric (../shared/data/wrench/README.md).
  const BEST: [string, 'accuracy' | 'f1_binary', number][] = [
    ['youtube', 'accuracy', 0.852], ['sms', 'f1_binary', 0.2537], ['trec', 'accuracy', 0.608],
    ['semeval', 'accuracy', 0.825], ['chemprot_validfit', 'accuracy', 0.4872], ['tennis_fs', 'f1_binary', 0.8571],
  ];
  it.each(BEST)('auto with its default metric on %s is within 0.5 point of the best baseline (%s)', (name, metric, best) => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, `${name}.json`), '--model', 'auto', '--json').stdout);
    expect(result.test[metric]).toBeGreaterThanOrEqual(best - 0.005);
  }, 120_000);

  it('auto never hands back a labeler that ignores a class: on sms (13% spam) it does not choose the spam-blind reference', () => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, 'sms.json'), '--model', 'auto', '--json').stdout);
    expect(result.params.metric).toBe('balanced_accuracy');
    const blind = result.params.candidates.find((c: { params: { nEpochs?: number; l2?: number; classBalance?: number[] } }) =>
      c.params.nEpochs === 500 && c.params.l2 === 0 && c.params.classBalance);
    expect(blind.ignores_class).toBe(1);
    expect(blind.chosen).toBeUndefined();
    expect(result.test.f1_binary).toBeGreaterThan(0.2);
  }, 120_000);

  it('auto on youtube reaches the README best (85.20) and lists every candidate it weighed on the valid split', () => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, 'youtube.json'), '--model', 'auto', '--json').stdout);
    expect(result.test.accuracy).toBeCloseTo(0.852, 10);
    const { candidates } = result.params;
    expect(candidates).toHaveLength(10);
    const chosen = candidates.filter((c: { chosen?: boolean }) => c.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]).toMatchObject({ model: 'snorkel', reference: true, params: { nEpochs: 500, l2: 0 } });
  });

  it('sms with the Y_valid class balance collapses as the README says (4.76 binary F1)', () => {
    const result = JSON.parse(run('--matrix', join(wrenchDir, 'sms.json'), '--model', 'snorkel', '--epochs', '500', '--class-balance', 'valid', '--json').stdout);
    expect(result.test.f1_binary).toBeCloseTo(0.0476, 3);
  });
});
