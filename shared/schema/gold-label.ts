// Gold labels: the analyst's own labels for a few samples (GET/PUT /api/concepts/{c_id}/gold-labels).
import { z } from 'zod';
import { LabelRef } from './labeling-function.ts';

export const GoldLabel = z.object({ sample_key: z.string(), label: z.number(), label_name: z.string(), labeled_by: z.string().nullable(), updated_at: z.string() });
export type GoldLabel = z.infer<typeof GoldLabel>;

export const GoldLabelsPut = z.object({
  labels: z.array(z.object({
    sample_key: z.union([z.string().min(1).max(1000), z.number()]).transform(String),
    /** A class position or name; null removes the sample's gold label. */
    label: LabelRef.nullable(),
  })).min(1).max(50_000),
});
/** The body as a client writes it. */
export type GoldLabelsPutBody = z.input<typeof GoldLabelsPut>;
