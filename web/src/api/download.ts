// Saving an API resource as a file from the page (results CSV and Parquet, ONNX exports).
import { request } from './request.ts';

/** Downloads an API resource as a file named `name`; an API error is thrown with its message, not saved. */
export async function downloadFromApi(path: string, name: string): Promise<void> {
  const res = await request(path);
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
