// ONNX classifiers uploaded to a concept for model LFs (POST/GET /api/concepts/{c_id}/models).
import { z } from 'zod';

/** A model input or output as onnxruntime reports it (shared/onnx/model-lf.ts TensorInfo). */
export const TensorInfo = z.object({ name: z.string(), type: z.string().nullable(), shape: z.array(z.union([z.number(), z.string()])).nullable() });

export const ModelInfo = z.object({
  model_id: z.string(), c_id: z.string(), name: z.string(), bytes: z.number(), sha256: z.string(),
  inputs: z.array(TensorInfo), outputs: z.array(TensorInfo), uploaded_at: z.string(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;
