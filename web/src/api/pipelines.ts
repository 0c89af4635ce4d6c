// A concept's saved pipelines: the canvas graph and the notebook cells, by name.
import type { z } from 'zod';
import type { Pipeline, PipelineGraph, PipelineSummary } from '../../../shared/schema/pipeline.ts';
import { apiPath, requestJson } from './request.ts';

export const listPipelines = (cId: string) => requestJson<z.infer<typeof PipelineSummary>[]>(apiPath`/api/concepts/${cId}/pipelines`);
export const getPipeline = (cId: string, name: string) => requestJson<Pipeline>(apiPath`/api/concepts/${cId}/pipelines/${name}`);
export const savePipeline = (cId: string, name: string, graph: z.input<typeof PipelineGraph>) =>
  requestJson<Pipeline>(apiPath`/api/concepts/${cId}/pipelines/${name}`, { method: 'PUT', json: graph });
