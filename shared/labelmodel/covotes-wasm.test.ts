import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileCovotesKernel, covotesModulePath, renderCovotesModule } from '../../scripts/build-wasm.ts';

describe('the committed co-vote kernel', () => {
  it('is what wasm/covotes.ts compiles to (run `npm run build:wasm` after changing it)', async () => {
    expect(readFileSync(covotesModulePath, 'utf8')).toBe(renderCovotesModule(await compileCovotesKernel()));
  });
});
