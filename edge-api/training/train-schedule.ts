// Scheduled training: a pipeline's run request kept as a pg-boss cron schedule. Each firing queues a job on
// `train-schedule`; its handler starts an ordinary training run, created by `schedule:<name>` so the run list
// shows where it came from. A firing that cannot start (an asset no longer materialized, an LF deactivated) is
// recorded as a failed run, not lost.
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/client.ts';
import { DomainError } from '../domain-error.ts';
import { createRun, transitionRun } from '../runs/run-store.ts';
import { ensureTrainingQueues, startTraining, type TrainingContext } from './train.ts';
import type { TrainRequest } from '../../shared/schema/training.ts';
import { pinTrainingRun } from './train-spec.ts';

export const TRAIN_SCHEDULE_QUEUE = 'train-schedule';

export interface TrainScheduleData {
  conceptId: string;
  name: string;
  request: TrainRequest;
  /** Also run when an asset the request uses gets a new materialized version. */
  onMaterialize?: boolean;
}

export interface TrainSchedule { name: string; cron: string; tz: string; on_materialize: boolean; request: TrainRequest; next_runs: string[]; last_job_id: string | null }

// pg-boss keys allow letters, digits, _ - . and /.
const scheduleKey = (conceptId: string, name: string) => `${conceptId}/${name}`;

async function ensureScheduleQueue(boss: PgBoss) {
  await ensureTrainingQueues(boss);
  const queues = await boss.getQueues();
  if (!queues.some((q) => q.name === TRAIN_SCHEDULE_QUEUE)) await boss.createQueue(TRAIN_SCHEDULE_QUEUE, { retryLimit: 2, retryDelay: 30 });
}

function nextRuns(boss: PgBoss, cron: string, tz: string): string[] {
  return boss.previewSchedule(cron, { tz, count: 3 }).map((d) => d.toISOString());
}

/** Creates or replaces the concept's schedule `name`; the request is checked now, as a run would check it. */
export async function scheduleTraining(
  ctx: TrainingContext, conceptId: string, name: string, cron: string, tz: string, request: TrainRequest, onMaterialize = false,
): Promise<TrainSchedule> {
  let next: string[];
  try {
    next = nextRuns(ctx.boss, cron, tz);
  } catch (err) {
    throw new DomainError('VALIDATION_FAILED', `cron: "${cron}" is not a schedule pg-boss understands (${(err as Error).message}); use five cron fields, e.g. "0 3 * * *".`);
  }
  await pinTrainingRun(ctx.db, ctx.store, conceptId, request);
  await ensureScheduleQueue(ctx.boss);
  const data: TrainScheduleData = { conceptId, name, request, onMaterialize };
  await ctx.boss.schedule(TRAIN_SCHEDULE_QUEUE, cron, data, { key: scheduleKey(conceptId, name), tz });
  return { name, cron, tz, on_materialize: onMaterialize, request, next_runs: next, last_job_id: null };
}

export async function listTrainingSchedules(ctx: TrainingContext, conceptId: string): Promise<TrainSchedule[]> {
  await ensureScheduleQueue(ctx.boss);
  const schedules = await ctx.boss.getSchedules(TRAIN_SCHEDULE_QUEUE);
  return schedules
    .filter((s) => (s.data as TrainScheduleData | undefined)?.conceptId === conceptId)
    .map((s) => {
      const data = s.data as TrainScheduleData;
      return {
        name: data.name, cron: s.cron, tz: s.timezone, on_materialize: data.onMaterialize === true, request: data.request,
        next_runs: nextRuns(ctx.boss, s.cron, s.timezone), last_job_id: s.lastJobId,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function unscheduleTraining(ctx: TrainingContext, conceptId: string, name: string): Promise<boolean> {
  await ensureScheduleQueue(ctx.boss);
  const key = scheduleKey(conceptId, name);
  if (!(await ctx.boss.getSchedule(TRAIN_SCHEDULE_QUEUE, key))) return false;
  await ctx.boss.unschedule(TRAIN_SCHEDULE_QUEUE, key);
  return true;
}

/** How long a re-materialization waits before it re-runs the pipeline, so an index and its rules materialized
 * together start one run, on all their new versions, not one run each. */
export const MATERIALIZE_TRIGGER_DELAY_SECONDS = 30;

/** Queues one firing of every schedule that asked to re-run when `assetId` gets a new version; returns their names. */
export async function triggerSchedulesForAsset(boss: PgBoss, assetId: string): Promise<string[]> {
  await ensureScheduleQueue(boss);
  const triggered: string[] = [];
  for (const s of await boss.getSchedules(TRAIN_SCHEDULE_QUEUE)) {
    const data = s.data as TrainScheduleData | undefined;
    if (!data?.onMaterialize || ![data.request.selectedIndex, ...data.request.selectedRules].includes(assetId)) continue;
    await boss.send(TRAIN_SCHEDULE_QUEUE, data, {
      singletonKey: `materialized:${scheduleKey(data.conceptId, data.name)}`,
      singletonSeconds: MATERIALIZE_TRIGGER_DELAY_SECONDS,
      startAfter: MATERIALIZE_TRIGGER_DELAY_SECONDS,
    });
    triggered.push(data.name);
  }
  return triggered;
}

/** One firing of a schedule: an ordinary training run, or a failed run saying why it could not start. */
export async function runScheduledTraining(ctx: TrainingContext, data: TrainScheduleData): Promise<string> {
  const createdBy = `schedule:${data.name}`;
  try {
    return (await startTraining(ctx, data.conceptId, data.request, createdBy)).id;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    const run = await createRun(ctx.db as Db, { kind: 'train', conceptId: data.conceptId, params: { request: data.request, schedule: data.name }, createdBy });
    await transitionRun(ctx.db, run.id, ['PENDING'], 'FAILURE', { error: { code: err.code, message: `Scheduled run "${data.name}" could not start: ${err.message}` } });
    return run.id;
  }
}

export async function registerScheduleHandler(boss: PgBoss, ctx: TrainingContext): Promise<void> {
  await ensureScheduleQueue(boss);
  await boss.work<TrainScheduleData>(TRAIN_SCHEDULE_QUEUE, { pollingIntervalSeconds: 2 }, async ([job]) => {
    if (job) await runScheduledTraining(ctx, job.data);
  });
}
