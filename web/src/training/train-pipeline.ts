// Train Model in the browser: load the pipeline's samples (cached), apply the active LFs, fit the label model in
// its worker with epoch progress, keep the result for the results page and, as a run, on the server.
import * as Comlink from 'comlink';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import { oneClassWarning } from '../../../shared/labelmodel/metrics.ts';
import { listLfs } from '../api/labeling-functions.ts';
import { getToken } from '../api/session.ts';
import type { PipelineNode, TrainSettings } from '../canvas/graph.ts';
import type { TrainingState } from '../canvas/pipeline-context.ts';
import { applyActiveLfs, ensureLoaded, pipelineAssets } from '../studio/workspace.ts';
import { dataWorker, trainingDataWorker } from '../studio/workers.ts';
import { saveResult, type ServerTrainRequest } from './results-store.ts';

/** Fired on window when a training's predictions reach the data worker. */
export const PREDICTIONS_EVENT = 'reef:predictions';

async function lfVersions(cId: string): Promise<Record<string, number>> {
  const lfs = await listLfs(cId);
  return Object.fromEntries(lfs.map((lf) => [lf.lf_id, lf.version]));
}

/** The body of POST …/snorkel/run (and of a schedule's run) that trains this pipeline with these LFs on the server. */
export function serverRequestFor(nodes: PipelineNode[], settings: TrainSettings, lfIds: string[]): ServerTrainRequest {
  const indexNode = nodes.find((n) => n.type === 'index');
  return {
    selectedIndex: indexNode?.type === 'index' ? indexNode.data.assetId : '',
    selectedRules: nodes.flatMap((n) => (n.type === 'rule' ? [n.data.assetId] : [])),
    selectedLFs: lfIds,
    snorkel: { epochs: settings.epochs, lr: settings.lr, output_type: settings.output },
    model: settings.model,
    seed: settings.seed,
  };
}

export async function trainPipeline({ concept, catalog, nodes, settings, onState }: {
  concept: Concept; catalog: Catalog; nodes: PipelineNode[]; settings: TrainSettings; onState: (s: TrainingState) => void;
}): Promise<string> {
  const assets = pipelineAssets(nodes, catalog);
  if ('problem' in assets) throw new Error(assets.problem);
  onState({ phase: 'loading' });
  // The first training starts the train worker and connects it to the data worker: while the LFs are listed and
  // applied, not after.
  const connecting = trainingDataWorker();
  connecting.catch(() => undefined); // awaited below, unless training stops first
  const k = concept.values.length;
  await ensureLoaded(assets, k);
  // The LF versions trained on, for the run's lineage: applyActiveLfs applies the versions it reads, which are
  // these when the list reads the same before and after it (versions only grow).
  const before = await lfVersions(concept.c_id);
  const { slots, skipped } = await applyActiveLfs(concept.c_id, concept.values);
  // Train on exactly the LFs the canvas counts as active, or not at all.
  if (skipped.length > 0) throw new Error(`Not trained: ${skipped.length === 1 ? 'an active LF is' : 'active LFs are'} not ready: ${skipped.join('; ')}. Fix or deactivate ${skipped.length === 1 ? 'it' : 'them'} in the notebook.`);
  if (slots.length === 0) throw new Error('No active labeling function could be applied; fix or activate one in the notebook.');
  const after = await lfVersions(concept.c_id);
  const changed = slots.find((slot) => before[slot] !== after[slot]);
  if (changed) throw new Error('A labeling function was edited while training started; train again.');
  onState({ phase: 'training', ...(settings.model === 'snorkel' ? { epoch: 0, epochs: settings.epochs } : {}) });
  const connectWaited = performance.now();
  const data = await connecting;
  const connectMs = performance.now() - connectWaited;
  const started = performance.mark('reef:train:start');
  // The data worker builds the label matrix and hands it to the train worker itself; the page hears the epochs and
  // gets the (moved) output, and the data worker keeps the predictions for the sample browser.
  const { out, n, m, goldPerClass, matrixMs, phases } = await data.train(
    slots, settings,
    Comlink.proxy((epoch: number, epochs: number) => onState({ phase: 'training', epoch, epochs })),
  );
  // The fit and predict, as before the matrix moved: from when the matrix was built to the output's arrival. The
  // detail says where it went: the train worker's phases, the data worker's and the messages between them (and,
  // before the measure, how long the workers' connection was still awaited).
  const end = performance.now();
  const trainWorkerMs = Object.values(out.phases).reduce((a, b) => a + b, 0);
  performance.measure('reef:train', {
    start: started.startTime + matrixMs, end,
    detail: {
      n, m, model: out.model, matrixMs, connectMs,
      phases: {
        ...out.phases, toTrainerAndBack: phases.fitCall - trainWorkerMs, keep: phases.keep,
        toPage: end - started.startTime - matrixMs - phases.fitCall - phases.keep,
      },
    },
  });
  const lfs = slots.map((slot) => catalog.labeling_functions.find((lf) => lf.id === slot)?.name ?? slot);
  const serverRequest = serverRequestFor(nodes, settings, slots);
  window.dispatchEvent(new Event(PREDICTIONS_EVENT));
  onState({ phase: 'saving' });
  const weights = out.weights ? Array.from(out.weights) : null;
  const { parquet, kept, distribution, histogram } = await dataWorker().keepResult(concept.c_id, getToken() ?? '', settings.output, {
    request: serverRequest,
    asset_version_ids: [assets.index.versionId, ...assets.rules.map((r) => r.versionId)],
    lf_versions: Object.fromEntries(slots.map((slot) => [slot, after[slot]])),
    analysis: out.analysis,
    fit: { model: out.model, params: out.params, fit_ms: out.ms, weights, fitted: out.fitted, ...(out.candidates ? { candidates: out.candidates } : {}) },
  });
  const jobId = 'jobId' in kept ? kept.jobId : `browser-${crypto.randomUUID()}`;
  saveResult({
    jobId, cId: concept.c_id, values: concept.values, n, k, output: settings.output, model: out.model, params: out.params, candidates: out.candidates,
    head: out.head, keyColumn: assets.index.keyColumn,
    requestedModel: settings.model,
    warning: oneClassWarning(distribution.slice(0, k), goldPerClass, concept.values),
    lfNames: lfs, weights, distribution, histogram,
    ms: out.ms, createdAt: new Date().toISOString(), serverRequest,
    parquet, ...('error' in kept ? { notKept: kept.error } : {}),
  });
  onState({ phase: 'done' });
  return jobId;
}
