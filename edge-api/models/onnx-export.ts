// A finished training run's label model as ONNX: the fitted numbers the run kept (its 'fit' partition, written
// once by fitIfVotesComplete in train.ts), with the run's class and LF names as metadata.
import { and, eq } from 'drizzle-orm';
import { labelModelToOnnx } from '../../shared/onnx/index.ts';
import type { Db } from '../db/client.ts';
import { partitionExecutions } from '../db/schema.ts';
import type { RunRow } from '../runs/run-store.ts';
import { FIT_KEY, type FitReport } from '../training/train-fit.ts';
import type { LabelModelParameters } from '../../shared/schema/label-model.ts';
import { trainRunOf } from '../training/train-run.ts';


export type RunModelExportErrorCode = 'NOT_A_TRAINING_RUN' | 'RUN_NOT_FINISHED' | 'RUN_HAS_NO_MODEL';

export class RunModelExportError extends Error {
  readonly code: RunModelExportErrorCode;
  readonly status: 400 | 409;
  constructor(code: RunModelExportErrorCode, status: 400 | 409, message: string) {
    super(message);
    this.name = 'RunModelExportError';
    this.code = code;
    this.status = status;
  }
}

export async function runLabelModelOnnx(db: Db, run: RunRow): Promise<Uint8Array> {
  if (run.kind !== 'train') {
    throw new RunModelExportError('NOT_A_TRAINING_RUN', 400, `Run ${run.id} is a ${run.kind} run; only training runs have a label model to export.`);
  }
  if (run.status !== 'SUCCESS') {
    throw new RunModelExportError('RUN_NOT_FINISHED', 409, `Run ${run.id} is ${run.status}; its label model can be exported once the run has succeeded.`);
  }
  const [fit] = await db.select().from(partitionExecutions)
    .where(and(eq(partitionExecutions.runId, run.id), eq(partitionExecutions.partitionKey, FIT_KEY)));
  const output = fit?.output as { model?: LabelModelParameters; report?: FitReport } | undefined;
  if (!output?.model) {
    throw new RunModelExportError('RUN_HAS_NO_MODEL', 409, `Run ${run.id} kept no fitted label model; train again to export one.`);
  }
  const { params } = trainRunOf(run);
  return labelModelToOnnx(output.model, {
    classes: params.classes,
    lfs: params.lineage.lfs.map((lf) => lf.name),
    metadata: {
      'reef.run_id': run.id,
      'reef.model': output.report?.model ?? output.model.kind,
      ...(run.conceptId ? { 'reef.concept_id': run.conceptId } : {}),
    },
  });
}
