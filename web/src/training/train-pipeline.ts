// Train Model in the browser: load the pipeline's samples (cached), apply the active LFs, fit the label model in
// its worker with epoch progress, keep the result for the results page.
import * as Comlink from 'comlink';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import type { PipelineNode, TrainSettings } from '../canvas/graph.ts';
import type { TrainingState } from '../canvas/pipeline-context.ts';
import { applyActiveLfs, ensureLoaded, pipelineAssets } from '../studio/workspace.ts';
import { dataWorker, trainWorker } from '../studio/workers.ts';
import { saveResult } from './results-store.ts';

/** Fired on window when a training's predictions reach the data worker. */
export const PREDICTIONS_EVENT = 'reef:predictions';

export async function trainPipeline({ concept, catalog, nodes, settings, onState }: {
  concept: Concept; catalog: Catalog; nodes: PipelineNode[]; settings: TrainSettings; onState: (s: TrainingState) => void;
}): Promise<string> {
  const assets = pipelineAssets(nodes, catalog);
  if ('problem' in assets) throw new Error(assets.problem);
  onState({ phase: 'loading' });
  const k = concept.values.length;
  await ensureLoaded(assets, k);
  const { slots } = await applyActiveLfs(concept.c_id);
  if (slots.length === 0) throw new Error('No active labeling function could be applied; fix or activate one in the notebook.');
  const input = await dataWorker().trainingInput(slots);
  const started = performance.mark('reef:train:start');
  onState({ phase: 'training', epoch: 0, epochs: settings.epochs });
  const out = await trainWorker().fit(
    Comlink.transfer({ ...input, k, settings }, [input.L.buffer, input.gold.buffer]),
    Comlink.proxy((epoch: number, epochs: number) => onState({ phase: 'training', epoch, epochs })),
  );
  performance.measure('reef:train', { start: started.name, detail: { n: input.n, m: input.m, model: out.model } });
  const keys = await dataWorker().keyValues();
  const lfs = slots.map((slot) => catalog.labeling_functions.find((lf) => lf.id === slot)?.name ?? slot);
  const jobId = `browser-${crypto.randomUUID()}`;
  const indexNode = nodes.find((n) => n.type === 'index');
  const serverRequest = {
    selectedIndex: indexNode?.type === 'index' ? indexNode.data.assetId : '',
    selectedRules: nodes.flatMap((n) => (n.type === 'rule' ? [n.data.assetId] : [])),
    selectedLFs: slots,
    snorkel: { epochs: settings.epochs, lr: settings.lr, output_type: settings.output },
    model: settings.model,
    seed: settings.seed,
  };
  saveResult({
    jobId, cId: concept.c_id, values: concept.values, n: input.n, k, output: settings.output, model: out.model, params: out.params,
    probs: out.probs, preds: out.preds, keyColumn: assets.index.keyColumn, keys,
    lfNames: lfs, weights: out.weights ? Array.from(out.weights) : null, noVotes: out.noVotes, ms: out.ms, createdAt: new Date().toISOString(), serverRequest,
  });
  // The notebook's sample browser filters by these; copies, as the result keeps its own arrays.
  const preds = out.preds.slice();
  const probs = out.probs.slice();
  await dataWorker().setPredictions(Comlink.transfer(preds, [preds.buffer]), Comlink.transfer(probs, [probs.buffer]));
  window.dispatchEvent(new Event(PREDICTIONS_EVENT));
  onState({ phase: 'done' });
  return jobId;
}
