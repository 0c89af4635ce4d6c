import { z } from 'zod';

/** The canvas graph (React Flow nodes and edges) and the notebook cells of a pipeline. */
export const PipelineGraph = z.object({
  nodes: z.array(z.object({ id: z.string(), type: z.string() }).loose()).max(2_000),
  edges: z.array(z.object({ id: z.string(), source: z.string(), target: z.string() }).loose()).max(10_000),
  notebook: z.array(z.object({ id: z.string(), kind: z.string() }).loose()).max(2_000).optional(),
}).loose();
export const Pipeline = z.object({ c_id: z.string(), name: z.string(), graph: PipelineGraph, updated_at: z.string() });
export type Pipeline = z.infer<typeof Pipeline>;
export const PipelineSummary = z.object({ name: z.string(), updated_at: z.string() });
