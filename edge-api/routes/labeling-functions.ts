// Labeling functions of a concept. Every save writes an immutable version row in the same transaction as the LF,
// so a run can pin exactly what each LF meant. Custom (TypeScript) LFs stay inactive until an approver approves them.
import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq } from 'drizzle-orm';
import {
  LabelingFunction, LabelingFunctionVersion, LfApprove, LfType, LfUpdate, lfConfigKeys, lfCreateSchemas,
  LfSnapshot, templateValueProblem, type TemplateOperator, type TemplateValue,
} from '../../shared/schema/labeling-function.ts';
import { checkRegexSafety } from '../../shared/lf/regex.ts';
import type { Db } from '../db/client.ts';
import { labelingFunctionVersions, labelingFunctions } from '../db/schema.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireRole } from '../security/auth.ts';
import { checkCustomLfCode } from '../security/custom-lf-check.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import type { ObjectStore } from '../storage/index.ts';
import { ConceptParams, loadConcept } from './concepts.ts';
import { checkModelLfDefinition } from './model-lf-check.ts';

const LfParams = ConceptParams.extend({ lf_id: z.uuid({ message: 'lf_id must be a labeling function id (UUID)' }) });

type LfRow = typeof labelingFunctions.$inferSelect;
type LfConfig = Record<string, unknown>;
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

/** The type-specific part of a definition: what the LF engines run. */
function configOf(type: LfType, definition: LfBody): LfConfig {
  const config: LfConfig = {};
  for (const key of lfConfigKeys[type]) {
    // A model LF's optional keys (input, output) are left out when absent: ModelLfConfig reads them as "the only one".
    if (type === 'model' && definition[key] === undefined) continue;
    config[key] = definition[key] ?? null;
  }
  return config;
}

/** Refuses a definition no engine could run, with the engine's or the compiler's own words. */
function checkDefinition(type: LfType, config: LfConfig): void {
  if (type === 'template') {
    const problem = templateValueProblem(config.operator as TemplateOperator, config.value as TemplateValue);
    if (problem) throw new ApiError(400, 'LF_INVALID', `This template LF cannot run: ${problem}.`);
  } else if (type === 'regex') {
    // The regex dialect's own check: it compiles (ECMAScript, u flag) and cannot backtrack exponentially.
    const safety = checkRegexSafety(config.pattern as string, config.case_insensitive as boolean);
    if (!safety.ok) throw new ApiError(400, 'LF_INVALID', `This regex LF cannot run: ${safety.reason}.`);
  } else if (type === 'custom') {
    const checked = checkCustomLfCode(config.code as string);
    if (!checked.ok) throw new ApiError(400, checked.code, checked.message);
  }
}

function toLabelingFunction(row: LfRow, values: string[]): LabelingFunction {
  // The row's config was written by configOf, checked against its type's schema on the way in.
  return {
    lf_id: row.id, c_id: row.conceptId, name: row.name, lf_type: row.lfType,
    label: row.label, label_name: values[row.label]!, config: row.config,
    description: row.description, active: row.active, requires_approval: row.requiresApproval,
    approved_by: row.approvedBy, approved_at: iso(row.approvedAt), version: row.version,
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  } as LabelingFunction;
}

/** The version a run pins, checked by the snapshot schema before it is stored. */
const snapshotOf = (row: LfRow, values: string[]): LfSnapshot => LfSnapshot.parse(toLabelingFunction(row, values));

async function loadLf(db: Db, cId: string, lfId: string): Promise<LfRow> {
  const [row] = await db.select().from(labelingFunctions)
    .where(and(eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId)));
  if (!row) throw notFound('labeling function in this concept', lfId);
  return row;
}

const approvalRequired = () => new ApiError(409, 'APPROVAL_REQUIRED',
  'A custom LF runs only once an approver has approved its code: save it inactive, then POST …/approve as an approver.');

/** Inserts the LF and its version 1 together: no LF ever exists without the snapshot a run would pin. */
async function createLf(db: Db, store: ObjectStore | undefined, cId: string, type: LfType, body: LfBody, createdBy: string) {
  const { values } = await loadConcept(db, cId);
  const label = resolveLabel(body.label, values);
  const config = configOf(type, body);
  checkDefinition(type, config);
  if (type === 'model') await checkModelLfDefinition(db, store, cId, config, label);
  const isCustom = type === 'custom';
  if (isCustom && body.active === true) throw approvalRequired();
  const row = await db.transaction(async (tx) => {
    const [row] = await tx.insert(labelingFunctions).values({
      conceptId: cId, name: body.name, lfType: type, description: body.description, config, label,
      active: isCustom ? false : body.active ?? true, requiresApproval: isCustom, createdBy,
    }).returning();
    await tx.insert(labelingFunctionVersions).values({ lfId: row!.id, version: 1, snapshot: snapshotOf(row!, values), createdBy });
    return row!;
  });
  return toLabelingFunction(row, values);
}

/** Applies a patch as a new version, in one transaction with its snapshot. New custom code needs approval again. */
async function patchLf(db: Db, store: ObjectStore | undefined, cId: string, lfId: string, patch: LfUpdate, by: string) {
  const { values } = await loadConcept(db, cId);
  if (Object.keys(patch).length === 0) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'The patch is empty; send the fields to change.');
  }
  const row = await db.transaction(async (tx) => {
    // Locked, so two concurrent patches make versions n+1 and n+2, never two n+1.
    const [current] = await tx.select().from(labelingFunctions)
      .where(and(eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId))).for('update');
    if (!current) throw notFound('labeling function in this concept', lfId);
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
    const label = resolveLabel(definition.label, values);
    // Through the transaction: PGlite has one connection, which the open transaction holds.
    if (type === 'model') await checkModelLfDefinition(tx as unknown as Db, store, cId, config, label);
    const codeChanged = type === 'custom' && config.code !== (current.config as LfConfig).code;
    if (type === 'custom' && (current.requiresApproval || codeChanged) && patch.active === true) throw approvalRequired();
    const [row] = await tx.update(labelingFunctions).set({
      name: definition.name, description: definition.description ?? null,
      config, label, version: current.version + 1, updatedAt: new Date(),
      ...(codeChanged
        ? { active: false, requiresApproval: true, approvedBy: null, approvedAt: null }
        : { active: definition.active ?? current.active }),
    }).where(eq(labelingFunctions.id, lfId)).returning();
    await tx.insert(labelingFunctionVersions).values({ lfId, version: row!.version, snapshot: snapshotOf(row!, values), createdBy: by });
    return row!;
  });
  return toLabelingFunction(row, values);
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
      const { values } = await loadConcept(db, c_id);
      const rows = await db.select().from(labelingFunctions).where(eq(labelingFunctions.conceptId, c_id))
        .orderBy(asc(labelingFunctions.createdAt), asc(labelingFunctions.name));
      return c.json(rows.map((row) => toLabelingFunction(row, values)), 200);
    })
    .openapi(get, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const db = c.var.deps.db;
      const { values } = await loadConcept(db, c_id);
      return c.json(toLabelingFunction(await loadLf(db, c_id, lf_id), values), 200);
    })
    .openapi(update, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const lf = await patchLf(c.var.deps.db, c.var.deps.store, c_id, lf_id, c.req.valid('json'), c.var.principal.name);
      return c.json(lf, 200);
    })
    .openapi(remove, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const [row] = await c.var.deps.db.delete(labelingFunctions)
        .where(and(eq(labelingFunctions.id, lf_id), eq(labelingFunctions.conceptId, c_id))).returning({ id: labelingFunctions.id });
      if (!row) throw notFound('labeling function in this concept', lf_id);
      return c.body(null, 204);
    })
    .openapi(versions, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const db = c.var.deps.db;
      await loadLf(db, c_id, lf_id);
      const rows = await db.select().from(labelingFunctionVersions)
        .where(eq(labelingFunctionVersions.lfId, lf_id)).orderBy(asc(labelingFunctionVersions.version));
      return c.json(rows.map((v) => ({
        lf_id: v.lfId, version: v.version, snapshot: v.snapshot as LfSnapshot, created_by: v.createdBy, created_at: iso(v.createdAt)!,
      })), 200);
    })
    .openapi(approve, async (c) => {
      const { c_id, lf_id } = c.req.valid('param');
      const { version } = c.req.valid('json');
      const db = c.var.deps.db;
      const { values } = await loadConcept(db, c_id);
      const pending = and(
        eq(labelingFunctions.id, lf_id), eq(labelingFunctions.conceptId, c_id), eq(labelingFunctions.requiresApproval, true),
        version === undefined ? undefined : eq(labelingFunctions.version, version),
      );
      // One conditional update: a patch that lands first changes the version or the pending flag, and this approves nothing.
      const [row] = await db.update(labelingFunctions).set({
        active: true, requiresApproval: false, approvedBy: c.var.principal.name, approvedAt: new Date(), updatedAt: new Date(),
      }).where(pending).returning();
      if (row) return c.json(toLabelingFunction(row, values), 200);
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

/** The current definition with a patch laid over it, validated again as a whole by the type's create schema. */
function mergePatch(type: LfType, current: LfRow, patch: LfUpdate): LfBody {
  const merged: Record<string, unknown> = {
    name: current.name, label: current.label, active: current.active,
    ...(current.description == null ? {} : { description: current.description }),
    ...(current.config as LfConfig),
  };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'description' && value === null) delete merged.description;
    else merged[key] = value;
  }
  if (type === 'template' && merged.value === null) delete merged.value;
  const parsed = lfCreateSchemas[type].safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiError(400, 'VALIDATION_FAILED', `${issue.path.join('.') || 'body'}: ${issue.message}`, { issues: parsed.error.issues });
  }
  return parsed.data;
}
