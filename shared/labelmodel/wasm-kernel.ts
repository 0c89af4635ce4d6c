// Loading the WebAssembly kernels of wasm/ (compiled into *-wasm.ts by `npm run build:wasm`) the same way in Node and
// in the browser train worker: from bytes in a module, compiled synchronously once. Where WebAssembly or its SIMD is
// missing, compiling fails and callers count in JavaScript instead.

export interface KernelInstance<Exports> {
  exports: Exports;
  memory: WebAssembly.Memory;
  /** First free byte past the kernel's own data, 16-aligned: callers lay out their buffers from here. */
  heapBase: number;
  /** Grows the memory to hold `bytes` past heapBase. */
  reserve(bytes: number): void;
}

export interface WasmKernel<Exports> {
  available(): boolean;
  /** A fresh instance (fresh, zeroed memory), or null where the kernel cannot run. */
  instance(): KernelInstance<Exports> | null;
}

export function wasmKernel<Exports>(wasm: Uint8Array<ArrayBuffer>): WasmKernel<Exports> {
  let compiled: WebAssembly.Module | null | undefined;
  const module = (): WebAssembly.Module | null => {
    if (compiled === undefined) {
      try {
        compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(wasm) : null;
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
  return {
    available: () => module() !== null,
    instance() {
      const compiledModule = module();
      if (!compiledModule) return null;
      const exports = new WebAssembly.Instance(compiledModule, {}).exports as { memory: WebAssembly.Memory; heapBase: WebAssembly.Global };
      const { memory } = exports;
      const heapBase = align16(exports.heapBase.value as number);
      const reserve = (bytes: number) => {
        const have = memory.buffer.byteLength;
        if (heapBase + bytes > have) memory.grow(Math.ceil((heapBase + bytes - have) / 65536));
      };
      return { exports: exports as Exports, memory, heapBase, reserve };
    },
  };
}

export function align16(x: number): number {
  return (x + 15) & ~15;
}
