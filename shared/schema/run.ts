import { z } from 'zod';

export const RunStatus = z.enum(['PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'CANCELED']);
export type RunStatus = z.infer<typeof RunStatus>;

/** A run of the pipeline: a materialization or a training (on the server, or in a browser and kept). */
export const Run = z.object({
  run_id: z.string(),
  kind: z.string(),
  status: RunStatus,
  c_id: z.string().nullable(),
  progress: z.record(z.string(), z.unknown()),
  params: z.record(z.string(), z.unknown()),
  metrics: z.unknown().nullable(),
  lineage: z.unknown().nullable(),
  error: z.unknown().nullable(),
  parent_run_id: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type Run = z.infer<typeof Run>;

/** Which runs a concept's run list holds. */
export const RunKindFilter = z.enum(['train', 'materialize', 'all']);
export type RunKindFilter = z.infer<typeof RunKindFilter>;

/** Two successful training runs side by side: metric differences (b − a) and the samples whose label flipped. */
export const RunComparison = z.object({
  a: z.string(),
  b: z.string(),
  metrics: z.record(z.string(), z.object({ a: z.number().nullable(), b: z.number().nullable(), diff: z.number().nullable() })),
  flipped: z.object({ count: z.number(), compared: z.number(), samples: z.array(z.object({ sample_id: z.unknown(), a: z.number(), b: z.number() })) }),
});
export type RunComparison = z.infer<typeof RunComparison>;
