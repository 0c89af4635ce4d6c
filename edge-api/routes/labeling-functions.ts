// Labeling functions of a concept. Every save writes an immutable version row in the same transaction as the LF,
// so a run can pin exactly what each LF meant. Custom (TypeScript) LFs stay inactive until an approver approves them.
import { createRoute, z } from '@hono/zod-openapi';
import {
  LabelingFunction, LabelingFunctionVersion, LfApprove, LfType, LfUpdate, lfConfigKeys, lfCreateSchemas,
  LfSnapshot, templateValueProblem, type LfConfig, type TemplateOperator, type TemplateValue,
} from '../../shared/schema/labeling-function.ts';
import { checkRegexSafety } from '../../shared/lf/regex.ts';
import type { Db } from '../db/client.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../security/auth.ts';
import { checkCustomLfCode } from '../security/custom-lf-check.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import type { ObjectStore } from '../storage/index.ts';
import { loadConcept } from '../data/concepts.ts';
import {
  approvePendingLf, deleteLf, insertLfWithVersion, listLfs, listLfVersions, loadLf, updateLfAsNewVersion, type LfRow,
} from '../data/labeling-functions.ts';
import { ConceptParams } from './concepts.ts';
import type { Concept } from '../../shared/schema/concept.ts';
import { disallowedImports } from '../../shared/lf/python.ts';
import { checkModelLfDefinition } from './model-lf-check.ts';

const LfParams = ConceptParams.extend({ lf_id: z.uuid({ message: 'lf_id must be a labeling function id (UUID)' }) });

/** A config read field by field, before or after it is known to match its type's schema. */
type ConfigFields = Record<string, unknown>;
/** The fields of any LF type, as a create body or a create body merged with a patch. */
type LfBody = z.infer<(typeof lfCreateSchemas)[LfType]> & Partial<Record<string, unknown>>;

const commonKeys = ['name', 'label', 'description', 'active'];

/** The class position `label` names (a position 0..k-1 or a class name), or 400 listing the valid ones. */
export function resolveLabel(label: number | string, values: string[]): number {
  const position = typeof label === 'number' ? label : values.indexOf(label);
  if (position >= 0 && position < values.length) return position;
  const valid = values.map((name, i) => `${i} (${name})`).join(', ');
  throw new ApiError(400, 'INVALID_LABEL',
    `label ${JSON.stringify(label)} is not a class of this concept; use a position or a name: ${valid}.`, { values });
}

/** The class a body names, by `label` (a position or a name) or by the seed's `cv_id`; 400 when neither or they differ. */
export function labelOf(body: { label?: number | string; cv_id?: string }, concept: Concept): number {
  const byId = body.cv_id === undefined ? undefined : concept.concept_values.find((v) => v.cv_id === body.cv_id)?.position;
  if (body.cv_id !== undefined && byId === undefined) {
    const valid = concept.concept_values.map((v) => `${v.cv_id} (${v.name})`).join(', ');
    throw new ApiError(400, 'INVALID_LABEL', `cv_id ${body.cv_id} is not a value of this concept; its values are ${valid}.`);
  }
  if (body.label === undefined) {
    if (byId === undefined) throw new ApiError(400, 'VALIDATION_FAILED', 'Name the class the LF votes: label (a position or a class name) or cv_id.');
    return byId;
  }
  const position = resolveLabel(body.label, concept.values);
  if (byId !== undefined && byId !== position) {
    throw new ApiError(400, 'INVALID_LABEL', `label ${JSON.stringify(body.label)} and cv_id ${body.cv_id} name different classes; send one of them.`);
  }
  return position;
}

/** The type-specific part of a definition: what the LF engines run. */
function configOf(type: LfType, definition: LfBody): LfConfig & ConfigFields {
  const config: ConfigFields = {};
  if (type === 'custom') {
    // The seed's custom LFs are Python with allowed_imports; Reef's default is TypeScript.
    const language = definition.language ?? (definition.allowed_imports == null ? 'typescript' : 'python');
    Object.assign(config, { code: definition.code, language, allowed_imports: language === 'python' ? definition.allowed_imports ?? [] : null });
  } else {
    for (const key of lfConfigKeys[type]) {
      // A model LF's optional keys (input, output) are left out when absent: ModelLfConfig reads them as "the only one".
      // The seed's template kind likewise, so a template LF without one stores the config it always did.
      if ((type === 'model' || key === 'template') && definition[key] === undefined) continue;
      config[key] = definition[key] ?? null;
    }
  }
  // The keys of `type`, copied from a body its create schema validated: that type's config.
  return config as LfConfig & ConfigFields;
}

/** Refuses a definition no engine could run, with the engine's or the compiler's own words. */
function checkDefinition(type: LfType, config: ConfigFields): void {
  if (type === 'template') {
    const problem = templateValueProblem(config.operator as TemplateOperator, config.value as TemplateValue);
    if (problem) throw new ApiError(400, 'LF_INVALID', `This template LF cannot run: ${problem}.`);
  } else if (type === 'regex') {
    // The regex dialect's own check: it compiles (ECMAScript, u flag) and cannot backtrack exponentially.
    const safety = checkRegexSafety(config.pattern as string, config.case_insensitive as boolean);
    if (!safety.ok) throw new ApiError(400, 'LF_INVALID', `This regex LF cannot run: ${safety.reason}.`);
  } else if (type === 'custom' && config.language === 'python') {
    const imports = disallowedImports(config.allowed_imports as string[]);
    if (imports) throw new ApiError(400, 'PYTHON_LF_INVALID', `This Python LF cannot run: ${imports}`);
  } else if (type === 'custom') {
    if (config.allowed_imports != null) throw new ApiError(400, 'VALIDATION_FAILED', 'allowed_imports is for Python LFs; set language "python", or leave it out.');
    const checked = checkCustomLfCode(config.code as string);
    if (!checked.ok) throw new ApiError(400, checked.code, checked.message);
  }
}

/**
 * A Python LF is loaded in the server's Pyodide sandbox before it is saved: its syntax, its imports and that it
 * defines a function are checked where it will run. Outside any transaction: starting Pyodide takes seconds.
 */
async function checkPythonLf(name: string, config: ConfigFields, values: string[]): Promise<void> {
  if (config.language !== 'python') return;
  // Loaded here, not at the top: the Cloudflare Worker build of these routes has no child processes to run it in.
  const [{ PythonLfSandbox }, { CustomLfError }] = await Promise.all([import('../sandbox/python-sandbox.ts'), import('../sandbox/sandbox.ts')]);
  try {
    const sandbox = await PythonLfSandbox.create({ name, code: config.code as string, allowedImports: config.allowed_imports as string[], classes: values });
    sandbox.dispose();
  } catch (err) {
    if (err instanceof CustomLfError && err.code === 'CUSTOM_LF_COMPILE') throw new ApiError(400, 'PYTHON_LF_INVALID', `${err.message}.`);
    throw err;
  }
}

function toLabelingFunction(row: LfRow, concept: Concept): LabelingFunction {
  const { values } = concept;
  const cvIds = concept.concept_values.map((v) => v.cv_id);
  // The row's config was written by configOf, checked against its type's schema on the way in.
  return {
    lf_id: row.id, c_id: row.conceptId, name: row.name, lf_type: row.lfType,
    label: row.label, label_name: values[row.label]!, config: row.config,
    cv_id: cvIds[row.label]!, lf_config: row.config, is_active: row.active,
    description: row.description, active: row.active, requires_approval: row.requiresApproval,
    approved_by: row.approvedBy, approved_at: iso(row.approvedAt), version: row.version,
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  } as LabelingFunction;
}

/** The version a run pins, checked by the snapshot schema before it is stored. */
const snapshotOf = (row: LfRow, concept: Concept): LfSnapshot => LfSnapshot.parse(toLabelingFunction(row, concept));

const approvalRequired = () => new ApiError(409, 'APPROVAL_REQUIRED',
  'A custom LF runs only once an approver has approved its code: save it inactive, then POST …/approve as an approver.');

/** Checks the LF's definition, then saves it with its version 1. */
async function createLf(db: Db, store: ObjectStore | undefined, cId: string, type: LfType, body: LfBody, createdBy: string) {
  const concept = await loadConcept(db, cId);
  const label = labelOf(body, concept);
  const config = configOf(type, body);
  checkDefinition(type, config);
  await checkPythonLf(body.name, config, concept.values);
  if (type === 'model') await checkModelLfDefinition(db, store, cId, config, label);
  const isCustom = type === 'custom';
  if (isCustom && body.active === true) throw approvalRequired();
  const row = await insertLfWithVersion(db, {
    conceptId: cId, name: body.name, lfType: type, description: body.description, config, label,
    active: isCustom ? false : body.active ?? true, requiresApproval: isCustom,
  }, (saved) => snapshotOf(saved, concept), createdBy);
  return toLabelingFunction(row, concept);
}

/** Applies a patch as a new version, in one transaction with its snapshot. New custom code needs approval again. */
async function patchLf(db: Db, store: ObjectStore | undefined, cId: string, lfId: string, patch: LfUpdate, by: string) {
  const concept = await loadConcept(db, cId);
  if (Object.keys(patch).length === 0) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'The patch is empty; send the fields to change.');
  }
  // New Python code is loaded in Pyodide first, outside the transaction (it takes seconds); the transaction then
  // saves exactly the code that was checked, or says it changed meanwhile.
  let checkedPython: string | undefined;
  const before = await loadLf(db, cId, lfId);
  if (before.lfType === 'custom' && ('code' in patch || 'language' in patch || 'allowed_imports' in patch)) {
    const config = configOf('custom', mergePatch('custom', before, patch));
    checkDefinition('custom', config);
    await checkPythonLf(patch.name ?? before.name, config, concept.values);
    if (config.language === 'python') checkedPython = customCode(config);
  }
  const row = await updateLfAsNewVersion(db, cId, lfId, async (current, tx) => {
    const type = current.lfType as LfType;
    const fields: readonly string[] = [...commonKeys, ...lfConfigKeys[type]];
    const foreign = Object.keys(patch).filter((k) => !fields.includes(k));
    if (foreign.length > 0) {
      throw new ApiError(400, 'VALIDATION_FAILED',
        `${foreign.join(', ')} ${foreign.length > 1 ? 'are not fields' : 'is not a field'} of a ${type} LF; its fields are ${fields.join(', ')}.`);
    }
    const definition = mergePatch(type, current, patch);
    const config = configOf(type, definition);
    checkDefinition(type, config);
    const label = labelOf(definition, concept);
    // Through the transaction: PGlite has one connection, which the open transaction holds.
    if (type === 'model') await checkModelLfDefinition(tx, store, cId, config, label);
    const codeChanged = type === 'custom' && customCode(config) !== customCode(current.config);
    if (checkedPython !== undefined && customCode(config) !== checkedPython) {
      throw new ApiError(409, 'CONFLICT', 'This LF\'s code changed while yours was being checked; read it again and re-apply your change.');
    }
    if (type === 'custom' && (current.requiresApproval || codeChanged) && patch.active === true) throw approvalRequired();
    return {
      name: definition.name, description: definition.description ?? null, config, label,
      ...(codeChanged
        ? { active: false, requiresApproval: true, approvedBy: null, approvedAt: null }
        : { active: definition.active ?? current.active }),
    };
  }, (saved) => snapshotOf(saved, concept), by);
  return toLabelingFunction(row, concept);
}

const tags = ['labeling-functions'];
const base = '/api/concepts/{c_id}/labeling-functions';

function createLfRoute<T extends LfType>(type: T) {
  const note = type === 'custom' ? ' (stored inactive until an approver approves it)' : '';
  return createRoute({
    method: 'post', path: `${base}/${type}`, tags, security: secured,
    summary: `Create a ${type} labeling function${note}`,
    request: { params: ConceptParams, ...jsonBody(lfCreateSchemas[type]) },
    responses: { 201: json(LabelingFunction, 'The new labeling function, version 1'), ...errors },
  });
}
const list = createRoute({
  method: 'get', path: base, tags, security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(z.array(LabelingFunction), 'The concept\'s labeling functions, oldest first'), ...errors },
});
const get = createRoute({
  method: 'get', path: `${base}/{lf_id}`, tags, security: secured,
  request: { params: LfParams },
  responses: { 200: json(LabelingFunction, 'The labeling function'), ...errors },
});
const update = createRoute({
  method: 'patch', path: `${base}/{lf_id}`, tags, security: secured,
  summary: 'Change a labeling function; makes a new version (new code of a custom LF needs approval again)',
  request: { params: LfParams, ...jsonBody(LfUpdate) },
  responses: { 200: json(LabelingFunction, 'The labeling function at its new version'), ...errors },
});
const remove = createRoute({
  method: 'delete', path: `${base}/{lf_id}`, tags, security: secured,
  request: { params: LfParams },
  responses: { 204: { description: 'Deleted, with its version history' }, ...errors },
});
const versions = createRoute({
  method: 'get', path: `${base}/{lf_id}/versions`, tags, security: secured,
  request: { params: LfParams },
  responses: { 200: json(z.array(LabelingFunctionVersion), 'Every saved version, oldest first'), ...errors },
});
const approve = createRoute({
  method: 'post', path: `${base}/{lf_id}/approve`, tags, security: secured,
  summary: 'Approve a custom LF\'s code and activate it (approver or admin)',
  middleware: [requireRole('approver')] as const,
  request: {
    params: LfParams,
    body: { required: false, content: { 'application/json': { schema: LfApprove } } },
  },
  responses: { 200: json(LabelingFunction, 'The approved, active labeling function'), ...errors },
});

export const labelingFunctionRoutes = () => {
  const router = createRouter();

  for (const type of LfType.options) {
    router.openapi(createLfRoute(type), async (c) => {
      // Validated by this type's schema; the loop over types only widens its static type.
      const body = c.req.valid('json') as LfBody;
      const lf = await createLf(c.var.deps.db, c.var.deps.store, c.req.valid('param').c_id, type, body, c.var.principal.name);
      return c.json(lf, 201);
    });
  }

  return router
    .openapi(list, async (c) => {
      const { c_id } = c.req.valid('param');
      const db = c.var.deps.db;
      const concept = await loadConcept(db, c_id);
      const rows = await listLfs(db, c_id);
      return c.json(rows.map((row) => toLabelingFunction(row, concept)), 200);
    })
    .openapi(get, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const db = c.var.deps.db;
      const concept = await loadConcept(db, c_id);
      return c.json(toLabelingFunction(await loadLf(db, c_id, lf_id), concept), 200);
    })
    .openapi(update, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const lf = await patchLf(c.var.deps.db, c.var.deps.store, c_id, lf_id, c.req.valid('json'), c.var.principal.name);
      return c.json(lf, 200);
    })
    .openapi(remove, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      await deleteLf(c.var.deps.db, c_id, lf_id);
      return c.body(null, 204);
    })
    .openapi(versions, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const db = c.var.deps.db;
      await loadLf(db, c_id, lf_id);
      const rows = await listLfVersions(db, lf_id);
      return c.json(rows.map((v) => ({
        lf_id: v.lfId, version: v.version, snapshot: v.snapshot, created_by: v.createdBy, created_at: iso(v.createdAt)!,
      })), 200);
    })
    .openapi(approve, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const { version } = c.req.valid('json');
      const db = c.var.deps.db;
      const concept = await loadConcept(db, c_id);
      const row = await approvePendingLf(db, c_id, lf_id, version, c.var.principal.name);
      if (row) return c.json(toLabelingFunction(row, concept), 200);
      const current = await loadLf(db, c_id, lf_id);
      if (!current.requiresApproval) {
        throw new ApiError(409, 'CONFLICT', current.lfType === 'custom'
          ? `This LF is already approved (by ${current.approvedBy}); a change to its code asks for approval again.`
          : `Only custom LFs need approval; this ${current.lfType} LF runs as saved.`);
      }
      throw new ApiError(409, 'CONFLICT',
        `This LF is at version ${current.version}, not ${version}: it changed since you read it. Review the new code, then approve version ${current.version}.`);
    });
};

/** What an approver approves of a custom LF: its code, language and imports (a change to any asks again). */
const customCode = (config: ConfigFields) => JSON.stringify([config.code, config.language ?? 'typescript', config.allowed_imports ?? null]);

/** The current definition with a patch laid over it, validated again as a whole by the type's create schema. */
function mergePatch(type: LfType, current: LfRow, patch: LfUpdate): LfBody {
  const merged: Record<string, unknown> = {
    name: current.name, label: current.label, active: current.active,
    ...(current.description == null ? {} : { description: current.description }),
    ...current.config,
  };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'description' && value === null) delete merged.description;
    else merged[key] = value;
  }
  // A class named by cv_id replaces the stored position (unless the patch names both, which must agree).
  if ('cv_id' in patch && !('label' in patch)) delete merged.label;
  // Optional config keys are stored as null when absent; the create schema reads absence.
  for (const key of ['value', 'template', 'input', 'output'] as const) if (merged[key] === null) delete merged[key];
  const parsed = lfCreateSchemas[type].safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiError(400, 'VALIDATION_FAILED', `${issue.path.join('.') || 'body'}: ${issue.message}`, { issues: parsed.error.issues });
  }
  return parsed.data;
}
