// Parquet → Arrow JS in WebAssembly (parquet-wasm): several times faster than decoding in JS. The record batches
// are read out of WebAssembly memory through the Arrow C data interface (arrow-js-ffi, one copy of each buffer), not
// written to an Arrow IPC stream and parsed back, which cost more than decoding the Parquet itself.
import { Table, type RecordBatch } from 'apache-arrow';
import { parseRecordBatch } from 'arrow-js-ffi';

/** What is used of parquet-wasm (its browser build in the worker, its Node build in tests). */
export interface ParquetWasm {
  readParquet(bytes: Uint8Array, options: { batchSize: number }): { intoFFI(): FfiStream };
  wasmMemory(): WebAssembly.Memory;
}
interface FfiStream { numArrays(): number; arrayAddr(i: number): number; schemaAddr(): number; free(): void }

export function arrowFromParquet(wasm: ParquetWasm, bytes: Uint8Array): Table {
  // One record batch per row group instead of parquet-wasm's default 1,024 rows: ~1,000 tiny batches per
  // million rows made decoding twice as slow and every column a thousand pieces.
  const stream = wasm.readParquet(bytes, { batchSize: 1 << 20 }).intoFFI();
  try {
    // Read once the stream exists: decoding may have grown (so replaced) the memory's buffer.
    const memory = wasm.wasmMemory().buffer;
    const batches: RecordBatch[] = [];
    for (let i = 0; i < stream.numArrays(); i++) batches.push(parseRecordBatch(memory, stream.arrayAddr(i), stream.schemaAddr(), true));
    return new Table(batches);
  } finally {
    stream.free(); // the batches hold copies, so WebAssembly's can go
  }
}
