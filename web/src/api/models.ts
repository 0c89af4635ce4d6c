// Uploaded ONNX models of a concept (for model LFs): listed as JSON, uploaded as the raw .onnx bytes, and fetched
// by the model-LF worker to run in the browser.
import type { ModelInfo } from '../../../shared/schema/model.ts';
import type { TensorInfo } from '../../../shared/onnx/model-lf.ts';
import { apiPath, request, requestJson } from './request.ts';

export type { ModelInfo };

export const listModels = (cId: string) => requestJson<ModelInfo[]>(apiPath`/api/concepts/${cId}/models`);

/** Uploads the file; the server loads it into onnxruntime first and refuses what it cannot run (MODEL_NOT_ONNX). */
export function uploadModel(cId: string, file: File): Promise<ModelInfo> {
  // The API takes names like scorer.onnx: letters, digits, _ . -
  const name = file.name.replace(/[^\w.-]/g, '_').replace(/^(?!.*\.onnx$)(.*)$/i, '$1.onnx');
  return requestJson<ModelInfo>(apiPath`/api/concepts/${cId}/models?name=${name}`, { method: 'POST', body: file, contentType: 'application/octet-stream' });
}

/** The model's ONNX bytes (the model-LF worker passes the token the page gave the data worker). */
export async function fetchModelBytes(cId: string, modelId: string, token: string): Promise<Uint8Array> {
  const res = await request(apiPath`/api/concepts/${cId}/models/${modelId}/model.onnx`, { token });
  return new Uint8Array(await res.arrayBuffer());
}

/** How many features the model's input takes and classes its output scores, when its shape says (null: any). */
export function modelWidths(model: ModelInfo | undefined, input?: string, output?: string): { features: number | null; classes: number | null } {
  const i = input ? model?.inputs.find((t) => t.name === input) : model?.inputs[0];
  const o = output ? model?.outputs.find((t) => t.name === output) : model?.outputs[0];
  const width = (t: TensorInfo | undefined) => (typeof t?.shape?.[1] === 'number' ? t.shape[1] : null);
  return { features: width(i), classes: width(o) };
}
