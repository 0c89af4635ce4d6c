import { z } from 'zod';
import { Name } from './common.ts';

export const TemplateOperator = z.enum([
  '>', '>=', '<', '<=', '==', '!=', 'in', 'not_in', 'contains', 'startswith', 'endswith', 'is_null', 'not_null',
]);
export type TemplateOperator = z.infer<typeof TemplateOperator>;

/** The class an LF votes: its position 0..k-1, or the class name (resolved on save). */
export const LabelRef = z.union([z.number().int().min(0), z.string().min(1)]);

const common = {
  name: Name,
  label: LabelRef,
  description: z.string().max(10_000).optional(),
  active: z.boolean().optional(),
};

export const TemplateLfCreate = z.object({
  ...common,
  field: z.string().min(1).max(255),
  operator: TemplateOperator,
  value: z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean()]))]).optional(),
});
export const RegexLfCreate = z.object({
  ...common,
  field: z.string().min(1).max(255),
  pattern: z.string().min(1).max(10_000),
  case_insensitive: z.boolean().default(false),
});
export const SqlLfCreate = z.object({ ...common, expression: z.string().min(1).max(100_000) });
export const CustomLfCreate = z.object({ ...common, code: z.string().min(1).max(200_000) });

export const LfType = z.enum(['template', 'regex', 'sql', 'custom']);
export type LfType = z.infer<typeof LfType>;
export const lfCreateSchemas = {
  template: TemplateLfCreate,
  regex: RegexLfCreate,
  sql: SqlLfCreate,
  custom: CustomLfCreate,
} as const;

/** A patch may change any field of the LF's type; it makes a new version. */
export const LfUpdate = z.object({
  ...common,
  field: z.string().min(1).max(255),
  operator: TemplateOperator,
  value: TemplateLfCreate.shape.value,
  pattern: z.string().min(1).max(10_000),
  case_insensitive: z.boolean(),
  expression: z.string().min(1).max(100_000),
  code: z.string().min(1).max(200_000),
}).partial();

export const LabelingFunction = z.object({
  lf_id: z.string(),
  c_id: z.string(),
  name: z.string(),
  lf_type: LfType,
  label: z.number().int(),
  label_name: z.string(),
  config: z.record(z.string(), z.unknown()),
  description: z.string().nullable().optional(),
  active: z.boolean(),
  requires_approval: z.boolean(),
  approved_by: z.string().nullable(),
  approved_at: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type LabelingFunction = z.infer<typeof LabelingFunction>;
