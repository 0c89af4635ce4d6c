import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from '../../shared/lf/column-batch.ts';
import type { AssetSchema } from '../../shared/lf/types.ts';
import { PythonLfSandbox } from './python-sandbox.ts';
import { customLfVotes } from './sandbox-thread.ts';

const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }, { name: 'at', type: 'timestamp' }] };
const rows = Array.from({ length: 3000 }, (_, i) => ({
  text: i % 3 === 0 ? `check out http://spam.example/${i}` : i % 7 === 0 ? null : `nice song ${i}`,
  likes: i % 10, at: new Date(Date.UTC(2024, 0, 1 + (i % 30))),
}));
const batch = columnBatchFromRows(schema, rows);
const limits = { batchTimeoutMs: 5_000, memoryBytes: 64 * 1024 * 1024, batchRows: 1000 };
const classes = ['ham', 'spam'];

async function votesOf(code: string, options: { allowedImports?: string[]; limits?: typeof limits } = {}) {
  const sandbox = await PythonLfSandbox.create({ name: 'lf', code, allowedImports: options.allowedImports ?? [], classes }, options.limits ?? limits);
  try {
    return await sandbox.votes(batch, schema.columns, 2);
  } finally {
    sandbox.dispose();
  }
}

describe('Python LF sandbox (Pyodide in a confined child process)', { timeout: 240_000 }, () => {
  it('runs a Snorkel-style LF with the class names as constants, and votes as the same TypeScript LF does', async () => {
    const python = await votesOf('def lf(x):\n    if x.text is None:\n        return ABSTAIN\n    return SPAM if "http" in x.text else (HAM if x.at.day == 2 else ABSTAIN)\n');
    const ts = await customLfVotes({ name: 'ts', code: `(row: Row) => row.text === null ? ABSTAIN : row.text.includes('http') ? 1 : row.at!.getUTCDate() === 2 ? 0 : ABSTAIN` },
      batch, schema.columns, 2, limits, 60_000);
    expect(Array.from(python.votes)).toEqual(Array.from(ts.votes));
    expect(python.errors).toBe(0);
  });

  it('reports returns that are neither ABSTAIN nor a class, as the TypeScript sandbox does', async () => {
    const run = await votesOf('def lf(x):\n    return 7 if x.likes == 1 else (True if x.likes == 2 else SPAM)\n');
    expect(run.invalid).toBe(600);
    expect(run.firstInvalid).toBe('7');
    expect(Array.from(run.votes).filter((v) => v === -1)).toHaveLength(600);
  });

  it('runs the @labeling_function() it is given, with allowed imports; a throw abstains on that row and is reported', async () => {
    const run = await votesOf([
      'import re',
      'def helper(x):',
      '    return 0',
      '@labeling_function()',
      'def has_link(x):',
      '    if x["likes"] == 3:',
      '        raise ValueError("bad row")',
      '    return SPAM if re.search(r"https?://", x.text or "") else ABSTAIN',
    ].join('\n'), { allowedImports: ['re'] });
    expect(run.errors).toBe(300);
    expect(run.firstError).toBe('ValueError: bad row');
    expect(Array.from(run.votes).filter((v) => v === 1)).toHaveLength(rows.filter((r, i) => i % 10 !== 3 && r.text?.includes('http')).length);
  });

  it('refuses imports outside allowed_imports, and code without a function, as CUSTOM_LF_COMPILE naming the LF', async () => {
    await expect(votesOf('import os\ndef lf(x):\n    return ABSTAIN\n')).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE', lf: 'lf', message: expect.stringContaining("import of 'os' is not allowed") });
    await expect(votesOf('import re\ndef lf(x):\n    return ABSTAIN\n')).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE' });
    await expect(votesOf('X = 1\n')).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE', message: expect.stringContaining('must define a function') });
    // __import__ called directly is the guarded one too.
    const run = await votesOf('def lf(x):\n    __import__("os")\n    return SPAM\n');
    expect(run.errors).toBe(rows.length);
    expect(run.firstError).toContain("import of 'os' is not allowed");
  });

  it('stops an endless loop at the time limit and too much memory at the memory limit', async () => {
    const started = Date.now();
    await expect(votesOf('def lf(x):\n    while True:\n        pass\n', { limits: { ...limits, batchTimeoutMs: 500 } })).rejects.toMatchObject({ code: 'CUSTOM_LF_TIMEOUT', lf: 'lf' });
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect(votesOf('hoard = []\ndef lf(x):\n    hoard.append(bytearray(10**6))\n    return ABSTAIN\n')).rejects.toMatchObject({ code: 'CUSTOM_LF_MEMORY', lf: 'lf' });
  });

  it('reaches neither the host files nor Node from Python, even through object introspection', async () => {
    const escapeAttempt = [
      'def lf(x):',
      '    found = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "FileIO"]',
      '    found[0]("/etc/hostname").read()',
      '    return SPAM',
    ].join('\n');
    const run = await votesOf(escapeAttempt);
    expect(run.errors).toBe(rows.length);
    expect(Array.from(run.votes).every((v) => v === -1)).toBe(true);
    const js = await votesOf('import sys\ndef lf(x):\n    return SPAM\n', { allowedImports: [] }).catch((e: Error) => e.message);
    expect(js).toContain("import of 'sys' is not allowed");
  });
});
