import { z } from 'zod';
import { ModelLfConfig } from '../onnx/model-lf.ts';
import { Name } from './common.ts';

export const TemplateOperator = z.enum([
  '>', '>=', '<', '<=', '==', '!=', 'in', 'not_in', 'contains', 'startswith', 'endswith', 'is_null', 'not_null',
]);
export type TemplateOperator = z.infer<typeof TemplateOperator>;

/** The class an LF votes: its position 0..k-1, or the class name (resolved on save). */
export const LabelRef = z.union([z.number().int().min(0), z.string().min(1)]);

const TemplateScalar = z.union([z.string(), z.number(), z.boolean()]);
export const TemplateValue = z.union([TemplateScalar, z.null(), z.array(TemplateScalar)]);
export type TemplateValue = z.infer<typeof TemplateValue>;

const common = {
  name: Name,
  label: LabelRef,
  description: z.string().max(10_000).optional(),
  active: z.boolean().optional(),
};

// Strict objects: a misspelt field (`patern`) is a 400 that names it, not a silently ignored key.
export const TemplateLfCreate = z.strictObject({
  ...common,
  field: z.string().min(1).max(255),
  operator: TemplateOperator,
  value: TemplateValue.optional(),
});
export const RegexLfCreate = z.strictObject({
  ...common,
  field: z.string().min(1).max(255),
  pattern: z.string().min(1).max(10_000),
  case_insensitive: z.boolean().default(false),
});
export const SqlLfCreate = z.strictObject({ ...common, expression: z.string().min(1).max(100_000) });
export const CustomLfCreate = z.strictObject({ ...common, code: z.string().min(1).max(200_000) });
/** An uploaded ONNX classifier over numeric feature columns (shared/onnx/model-lf.ts). */
export const ModelLfCreate = z.strictObject({ ...common, ...ModelLfConfig.shape });

export const LfType = z.enum(['template', 'regex', 'sql', 'custom', 'model']);
export type LfType = z.infer<typeof LfType>;
export const lfCreateSchemas = {
  template: TemplateLfCreate,
  regex: RegexLfCreate,
  sql: SqlLfCreate,
  custom: CustomLfCreate,
  model: ModelLfCreate,
} as const;

/** The keys of each type's `config` (what the engines run); the rest of an LF is common to every type. */
export const lfConfigKeys = {
  template: ['field', 'operator', 'value'],
  regex: ['field', 'pattern', 'case_insensitive'],
  sql: ['expression'],
  custom: ['code'],
  model: ['model_id', 'columns', 'input', 'output', 'output_class', 'threshold', 'scores'],
} as const satisfies Record<LfType, readonly string[]>;

/** A patch may change any field of the LF's type; it makes a new version. */
export const LfUpdate = z.strictObject({
  ...common,
  description: z.string().max(10_000).nullable(),
  field: z.string().min(1).max(255),
  operator: TemplateOperator,
  value: TemplateValue,
  pattern: z.string().min(1).max(10_000),
  case_insensitive: z.boolean(),
  expression: z.string().min(1).max(100_000),
  code: z.string().min(1).max(200_000),
  ...ModelLfConfig.shape,
  scores: ModelLfConfig.shape.scores.unwrap(),
}).partial();
export type LfUpdate = z.infer<typeof LfUpdate>;

/** Approving names the version the approver read, so code changed meanwhile is never approved unseen. */
export const LfApprove = z.strictObject({ version: z.number().int().min(1).optional() });

const valueKind = (value: unknown) => (Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value);

/** Why `value` does not fit `operator`, or undefined when it does. The same check runs in the editor and on save. */
export function templateValueProblem(operator: TemplateOperator, value: TemplateValue | undefined): string | undefined {
  switch (operator) {
    case 'is_null':
    case 'not_null':
      return value == null ? undefined : `operator ${operator} takes no value; remove "value"`;
    case 'in':
    case 'not_in':
      return Array.isArray(value) && value.length > 0 ? undefined
        : `operator ${operator} needs "value" to be a non-empty list, e.g. ["a", "b"]; got ${valueKind(value)}`;
    case 'contains':
    case 'startswith':
    case 'endswith':
      return typeof value === 'string' ? undefined : `operator ${operator} needs "value" to be a string; got ${valueKind(value)}`;
    case '>':
    case '>=':
    case '<':
    case '<=':
      return typeof value === 'number' || typeof value === 'string' ? undefined
        : `operator ${operator} needs "value" to be a number or a string; got ${valueKind(value)}`;
    case '==':
    case '!=':
      return value != null && !Array.isArray(value) ? undefined
        : `operator ${operator} needs one "value" (string, number or boolean); got ${valueKind(value)}` +
          (value == null ? `; to test for a missing value use ${operator === '==' ? 'is_null' : 'not_null'}` : '');
  }
}

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

/** What an LF version pins: its full definition at that version (runs record these for lineage). */
export const LfSnapshot = LabelingFunction.pick({
  name: true, lf_type: true, label: true, label_name: true, config: true, description: true,
});
export type LfSnapshot = z.infer<typeof LfSnapshot>;

export const LabelingFunctionVersion = z.object({
  lf_id: z.string(),
  version: z.number().int(),
  snapshot: LfSnapshot,
  created_by: z.string().nullable(),
  created_at: z.string(),
});
export type LabelingFunctionVersion = z.infer<typeof LabelingFunctionVersion>;
