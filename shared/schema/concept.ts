import { z } from 'zod';
import { Name } from './common.ts';

export const ConceptCreate = z.object({
  name: Name,
  description: z.string().max(10_000).optional(),
  /** The classes, in order: a vote is the position of its class here (0..k-1). */
  values: z.array(Name).min(2, 'a concept needs at least two values (classes)').max(32_767)
    .refine((v) => new Set(v).size === v.length, 'concept values must be distinct'),
});
export const ConceptUpdate = z.object({
  name: Name.optional(),
  description: z.string().max(10_000).nullable().optional(),
});

export const Concept = z.object({
  c_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  values: z.array(z.string()),
  /** The classes with the seed's ids (`cv_id`), in vote order: `position` is the vote. */
  concept_values: z.array(z.object({ cv_id: z.string(), name: z.string(), position: z.number().int() })),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Concept = z.infer<typeof Concept>;
