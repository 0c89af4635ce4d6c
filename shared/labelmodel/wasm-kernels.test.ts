import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, KERNELS, modulePath, renderKernelModule } from '../../scripts/build-wasm.ts';

describe('the committed WebAssembly kernels', () => {
  it.each(KERNELS)('%s-wasm.ts is what wasm/%s.ts compiles to (run `npm run build:wasm` after changing it)', async (name) => {
    expect(readFileSync(modulePath(name), 'utf8')).toBe(renderKernelModule(name, await compileKernel(name)));
  });
});
