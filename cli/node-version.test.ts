import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const reef = fileURLToPath(new URL('../bin/reef.js', import.meta.url));
// The machine's own Node (Debian's, 20 here), older than reef needs; CI puts Node 24 first on PATH.
const systemNode = '/usr/bin/node';
const systemVersion = existsSync(systemNode) ? spawnSync(systemNode, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const tooOld = /^v(\d+)\.(\d+)/.exec(systemVersion);
const isTooOld = tooOld ? Number(tooOld[1]) < 22 || (Number(tooOld[1]) === 22 && Number(tooOld[2]) < 18) : false;

describe('bin/reef.js on a Node that cannot run it', () => {
  it.skipIf(!isTooOld)(`says which Node it needs in one line instead of ERR_UNKNOWN_FILE_EXTENSION (${systemVersion || 'no /usr/bin/node'})`, () => {
    const run = spawnSync(systemNode, [reef, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('reef needs Node.js 22.18 or newer');
    expect(run.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it('runs on this Node', () => {
    const run = spawnSync(process.execPath, [reef, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('serve');
  });
});
