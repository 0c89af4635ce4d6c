// What a worker process runs for training: the unit queues and the schedule queue. The lead's `reef worker` and the
// in-process worker of `reef serve` call registerTrainingHandlers once the queue is open.
import type { PgBoss } from 'pg-boss';
import { ensureTrainingQueues, runPredictJob, runVotesJob, TRAIN_QUEUES, type TrainingContext, type TrainJob } from './train.ts';
import { registerScheduleHandler } from './train-schedule.ts';

/** Starts consuming the training queues in this process: one job at a time per queue (each job uses one core). */
export async function registerTrainingHandlers(boss: PgBoss, ctx: TrainingContext): Promise<void> {
  await ensureTrainingQueues(boss);
  await boss.work<TrainJob>(TRAIN_QUEUES.votes, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    if (job) await runVotesJob(ctx, job.data, job);
  });
  await boss.work<TrainJob>(TRAIN_QUEUES.predict, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    if (job) await runPredictJob(ctx, job.data, job);
  });
  await registerScheduleHandler(boss, ctx);
}
