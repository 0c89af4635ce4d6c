// A fitted label model as Reef keeps it (a run's fit, a browser run's upload) and exports it (ONNX): majority vote
// needs only its size; every other model is log-linear: per class, log prior + Σ_j log-table[j, λ_j, class].
import { z } from 'zod';

export const LabelModelParameters = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mv'), m: z.number().int().min(1), k: z.number().int().min(2) }),
  z.object({
    kind: z.literal('loglinear'), m: z.number().int().min(1), k: z.number().int().min(2),
    /** m × (k + 1 vote values, abstain first) × k, row-major. */
    logTable: z.array(z.number()), logPrior: z.array(z.number()),
  }),
]);
export type LabelModelParameters = z.infer<typeof LabelModelParameters>;
