import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from '../../shared/lf/column-batch.ts';
import type { AssetSchema } from '../../shared/lf/types.ts';
import type { PinnedLf } from './train-spec.ts';
import { compileUnitLfs, unitLabelMatrix } from './train-votes.ts';

const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }] };
const rows = Array.from({ length: 1_000 }, (_, i) => ({ text: i % 2 ? `http://x/${i}` : `song ${i}`, likes: i % 10 }));
const batch = columnBatchFromRows(schema, rows);
const limits = { batchTimeoutMs: 5_000, memoryBytes: 32 * 1024 * 1024, batchRows: 500 };

const pinned = (name: string, lf_type: 'custom' | 'regex', config: Record<string, unknown>, label = 1): PinnedLf => ({
  lf_id: name, name, version: 1, snapshot: { name, lf_type, label, label_name: String(label), config, description: null } as PinnedLf['snapshot'],
});

async function matrixOf(lfs: PinnedLf[], onLfError: 'fail' | 'skip') {
  const compiled = compileUnitLfs(lfs, schema.columns, 2);
  return unitLabelMatrix(batch, compiled, lfs, schema.columns, 2, { onLfError, sandbox: limits });
}

describe('custom LFs in a unit\'s label matrix', () => {
  const links = pinned('links', 'regex', { field: 'text', pattern: '^http' });
  const coin = pinned('coin_flip', 'custom', { code: '(row: Row) => Math.random() < 0.5 ? 1 : 0' });
  const seven = pinned('sevens', 'custom', { code: '(row: Row) => row.likes === 7 ? 7 : 0' });

  it('fails the unit on an LF that votes at random, naming it (on_lf_error "fail")', async () => {
    await expect(matrixOf([links, coin], 'fail')).rejects.toMatchObject({ code: 'CUSTOM_LF_NONDETERMINISTIC', lf: 'coin_flip' });
  });

  it('with on_lf_error "skip", a random LF abstains on every row and is reported; the other LFs still vote', async () => {
    const { L, problems } = await matrixOf([links, coin], 'skip');
    expect(problems).toEqual([expect.objectContaining({ lf: 'coin_flip', code: 'CUSTOM_LF_NONDETERMINISTIC', rows: 1_000 })]);
    expect(Array.from(L.filter((_, at) => at % 2 === 1))).toEqual(new Array(1_000).fill(-1));
    expect(Array.from(L.filter((_, at) => at % 2 === 0))).toEqual(rows.map((r) => (r.text.startsWith('http') ? 1 : -1)));
  });

  it('reports votes outside the concept\'s classes by LF, with the value returned; those rows abstain', async () => {
    await expect(matrixOf([seven], 'fail')).rejects.toMatchObject({ code: 'CUSTOM_LF_BAD_VOTE', lf: 'sevens', message: expect.stringContaining('returned 7') });
    const { L, problems } = await matrixOf([seven], 'skip');
    expect(problems).toEqual([expect.objectContaining({ lf: 'sevens', code: 'CUSTOM_LF_BAD_VOTE', rows: 100 })]);
    expect(Array.from(L)).toEqual(rows.map((r) => (r.likes === 7 ? -1 : 0)));
  });
});
