// Uploaded ONNX models of a concept (for model LFs): listed as JSON, uploaded as the raw .onnx bytes.
import type { TensorInfo } from '../../../shared/onnx/model-lf.ts';
import { api, ApiRequestError, getToken } from './client.ts';

export interface ModelInfo { model_id: string; name: string; bytes: number; inputs: TensorInfo[]; outputs: TensorInfo[]; uploaded_at: string }

export const listModels = (cId: string) => api<ModelInfo[]>('GET', `/api/concepts/${cId}/models`);

/** Uploads the file; the server loads it into onnxruntime first and refuses what it cannot run (MODEL_NOT_ONNX). */
export async function uploadModel(cId: string, file: File): Promise<ModelInfo> {
  // The API takes names like scorer.onnx: letters, digits, _ . -
  const name = file.name.replace(/[^\w.-]/g, '_').replace(/^(?!.*\.onnx$)(.*)$/i, '$1.onnx');
  const res = await fetch(`/api/concepts/${cId}/models?name=${encodeURIComponent(name)}`, {
    method: 'POST', body: file, headers: { Authorization: `Bearer ${getToken() ?? ''}`, 'Content-Type': 'application/octet-stream' },
  });
  const payload = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = payload?.error ?? { code: 'HTTP_ERROR', message: `${res.status} ${res.statusText}` };
    throw new ApiRequestError(res.status, error.code, error.message);
  }
  return payload as ModelInfo;
}

/** How many features the model's input takes and classes its output scores, when its shape says (null: any). */
export function modelWidths(model: ModelInfo | undefined, input?: string, output?: string): { features: number | null; classes: number | null } {
  const i = input ? model?.inputs.find((t) => t.name === input) : model?.inputs[0];
  const o = output ? model?.outputs.find((t) => t.name === output) : model?.outputs[0];
  const width = (t: TensorInfo | undefined) => (typeof t?.shape?.[1] === 'number' ? t.shape[1] : null);
  return { features: width(i), classes: width(o) };
}
