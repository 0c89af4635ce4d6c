import { z } from 'zod';
import { Name } from './common.ts';

export const TemplateOperator = z.enum([
  '>', '>=', '<', '<=', '==', '!=', 'in', 'not_in', 'contains', 'startswith', 'endswith', 'is_null', 'not_null',
]);
export type TemplateOperator = z.infer<typeof TemplateOperator>;

/** The class an LF votes: its position 0..k-1, or the class name (resolved on save). */
export const LabelRef = z.union([z.number().int().min(0), z.string().min(1)]);

export const TemplateScalar = z.union([z.string(), z.number(), z.boolean()]);
export type TemplateScalar = z.infer<typeof TemplateScalar>;
export const TemplateValue = z.union([TemplateScalar, z.null(), z.array(TemplateScalar)]);
export type TemplateValue = z.infer<typeof TemplateValue>;

const common = {
  name: Name,
  /** The class voted: a position or a name. The seed names it by its concept-value id instead (`cv_id`). */
  label: LabelRef.optional(),
  cv_id: z.uuid({ message: 'cv_id must be a concept value id (UUID), as GET /api/concepts/{c_id} lists them' }).optional(),
  description: z.string().max(10_000).optional(),
  active: z.boolean().optional(),
};

// What each type of LF runs: its `config`, the one definition of an LF's meaning, stored, snapshotted and compiled.
// Strict objects: a misspelt field (`patern`) is a 400 that names it, not a silently ignored key.
export const TemplateLfConfig = z.strictObject({
  /** The seed's name for the kind of template (e.g. "keyword"); kept with the LF, the operator is what runs. */
  template: z.string().min(1).max(100).nullable().optional(),
  field: z.string().min(1).max(255),
  operator: TemplateOperator,
  value: TemplateValue.optional(),
});
export const RegexLfConfig = z.strictObject({
  field: z.string().min(1).max(255),
  pattern: z.string().min(1).max(10_000),
  case_insensitive: z.boolean().default(false),
});
export const SqlLfConfig = z.strictObject({ expression: z.string().min(1).max(100_000) });
export const CustomLfLanguage = z.enum(['typescript', 'python']);
export type CustomLfLanguage = z.infer<typeof CustomLfLanguage>;
export const CustomLfConfig = z.strictObject({
  code: z.string().min(1).max(200_000),
  /**
   * TypeScript, `(row: Row) => number`, or Python, `def lf(x): return SPAM if … else ABSTAIN` (the seed's and
   * Snorkel's; shared/lf/python.ts). A body with allowed_imports and no language is the seed's: Python.
   */
  language: CustomLfLanguage.optional(),
  /** Python only: the standard-library modules the code may import (see PYTHON_IMPORTABLE in shared/lf/python.ts). */
  allowed_imports: z.array(z.string().min(1).max(100)).max(50).nullable().optional(),
});
/** An uploaded ONNX classifier over numeric feature columns (run by shared/onnx/model-lf.ts). */
export const ModelLfConfig = z.strictObject({
  model_id: z.uuid({ message: 'model_id must be an uploaded model id (UUID)' }),
  /** Feature columns, in the order of the model input's last dimension. */
  columns: z.array(z.string().min(1).max(255)).min(1, 'map at least one feature column').max(4096),
  /** Model input to feed; the model's only input when omitted. */
  input: z.string().min(1).optional(),
  /** Model output to read; the first output when omitted. */
  output: z.string().min(1).optional(),
  /** Which entry of the output's last dimension is the class this LF votes for. */
  output_class: z.number().int().min(0),
  /** A probability (after the softmax, for logits). */
  threshold: z.number().min(0).max(1),
  /** 'logits' applies a softmax over the output's last dimension first. */
  scores: z.enum(['probabilities', 'logits']).default('probabilities'),
});
export type ModelLfConfig = z.infer<typeof ModelLfConfig>;

export const LfType = z.enum(['template', 'regex', 'sql', 'custom', 'model']);
export type LfType = z.infer<typeof LfType>;
export const lfConfigSchemas = {
  template: TemplateLfConfig,
  regex: RegexLfConfig,
  sql: SqlLfConfig,
  custom: CustomLfConfig,
  model: ModelLfConfig,
} as const;
export type LfConfig = z.infer<(typeof lfConfigSchemas)[LfType]>;

/** The keys of each type's `config`; the rest of an LF is common to every type. */
export const lfConfigKeys = {
  template: TemplateLfConfig.keyof().options,
  regex: RegexLfConfig.keyof().options,
  sql: SqlLfConfig.keyof().options,
  custom: CustomLfConfig.keyof().options,
  model: ModelLfConfig.keyof().options,
} as const satisfies Record<LfType, readonly string[]>;

export const TemplateLfCreate = z.strictObject({ ...common, ...TemplateLfConfig.shape });
export const RegexLfCreate = z.strictObject({ ...common, ...RegexLfConfig.shape });
export const SqlLfCreate = z.strictObject({ ...common, ...SqlLfConfig.shape });
export const CustomLfCreate = z.strictObject({ ...common, ...CustomLfConfig.shape });
export const ModelLfCreate = z.strictObject({ ...common, ...ModelLfConfig.shape });
export const lfCreateSchemas = {
  template: TemplateLfCreate,
  regex: RegexLfCreate,
  sql: SqlLfCreate,
  custom: CustomLfCreate,
  model: ModelLfCreate,
} as const;

/**
 * What the LF engines compile (shared/lf/compile.ts): a config beside the LF's name and its class, already
 * resolved to a position 0..k-1. The type is the schema's input: defaults (case_insensitive, scores) may be left out.
 */
const engine = { name: z.string(), label: z.number().int().min(0) };
export const LfDefinition = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('template'), ...engine, ...TemplateLfConfig.shape }),
  z.strictObject({ type: z.literal('regex'), ...engine, ...RegexLfConfig.shape }),
  z.strictObject({ type: z.literal('sql'), ...engine, ...SqlLfConfig.shape }),
  z.strictObject({ type: z.literal('custom'), ...engine, ...CustomLfConfig.shape }),
  z.strictObject({ type: z.literal('model'), ...engine, ...ModelLfConfig.shape }),
]);
export type LfDefinition = z.input<typeof LfDefinition>;

/** A patch may change any field of the LF's type; it makes a new version. */
export const LfUpdate = z.strictObject({
  ...common,
  description: z.string().max(10_000).nullable(),
  ...TemplateLfConfig.shape,
  value: TemplateValue,
  ...RegexLfConfig.shape,
  case_insensitive: z.boolean(),
  ...SqlLfConfig.shape,
  ...CustomLfConfig.shape,
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

/** A shape for each LF type, `lf_type` naming the schema its `config` follows. */
function byLfType<S extends z.ZodRawShape>(shape: S) {
  return z.discriminatedUnion('lf_type', [
    z.object({ ...shape, lf_type: z.literal('template'), config: TemplateLfConfig }),
    z.object({ ...shape, lf_type: z.literal('regex'), config: RegexLfConfig }),
    z.object({ ...shape, lf_type: z.literal('sql'), config: SqlLfConfig }),
    z.object({ ...shape, lf_type: z.literal('custom'), config: CustomLfConfig }),
    z.object({ ...shape, lf_type: z.literal('model'), config: ModelLfConfig }),
  ]);
}

const pinned = {
  name: z.string(),
  label: z.number().int(),
  label_name: z.string(),
  description: z.string().nullable().optional(),
};

export const LabelingFunction = byLfType({
  lf_id: z.string(),
  c_id: z.string(),
  ...pinned,
  /** The seed's names: the class's concept-value id, `config` as `lf_config`, `active` as `is_active`. */
  cv_id: z.string(),
  lf_config: z.record(z.string(), z.unknown()),
  is_active: z.boolean(),
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
export const LfSnapshot = byLfType(pinned);
export type LfSnapshot = z.infer<typeof LfSnapshot>;

/**
 * The engine's definition of a stored LF or a pinned version of one, the same in the browser and on the server:
 * checked by its type's schema, so its keys come in one order and defaults are filled in.
 */
export function lfDefinitionOf(lf: Pick<LfSnapshot, 'name' | 'lf_type' | 'label' | 'config'>): LfDefinition {
  return LfDefinition.parse({ type: lf.lf_type, name: lf.name, label: lf.label, ...lf.config });
}

export const LabelingFunctionVersion = z.object({
  lf_id: z.string(),
  version: z.number().int(),
  snapshot: LfSnapshot,
  created_by: z.string().nullable(),
  created_at: z.string(),
});
export type LabelingFunctionVersion = z.infer<typeof LabelingFunctionVersion>;
