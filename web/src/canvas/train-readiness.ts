// What the seed refused with alerts before training, as one pure check with messages that say what to do.
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { PipelineEdge, PipelineNode } from './graph.ts';

export type TrainRefusalCode = 'NO_INDEX' | 'NO_RULES' | 'NO_LFS' | 'NOT_MATERIALIZED' | 'NOT_CONNECTED';
export interface TrainRefusal { code: TrainRefusalCode; message: string }

/** Why the Train node cannot run yet, or null when the pipeline is complete. */
export function trainRefusal(nodes: PipelineNode[], edges: PipelineEdge[], catalog: Catalog): TrainRefusal | null {
  const indexes = nodes.filter((n) => n.type === 'index');
  const rules = nodes.filter((n) => n.type === 'rule');
  if (indexes.length === 0) {
    return { code: 'NO_INDEX', message: 'Add an Index to the pipeline first: it defines the samples to label.' };
  }
  if (rules.length === 0) {
    return { code: 'NO_RULES', message: 'Add at least one Rule / Feature and connect it to the Index.' };
  }
  const activeLfs = catalog.labeling_functions.filter((lf) => lf.active);
  if (!nodes.some((n) => n.type === 'lfs') || activeLfs.length === 0) {
    return { code: 'NO_LFS', message: 'Add a Labeling Functions node with at least one active labeling function.' };
  }
  const assets = [...catalog.indexes, ...catalog.rules];
  for (const node of [...indexes, ...rules]) {
    const asset = assets.find((a) => a.id === node.data.assetId);
    if (!asset) {
      return { code: 'NOT_MATERIALIZED', message: `A ${node.type} node refers to an asset that no longer exists; remove it.` };
    }
    if (!asset.is_materialized) {
      return { code: 'NOT_MATERIALIZED', message: `Materialize "${asset.name}" first: training reads its rows.` };
    }
  }
  const linked = (type: PipelineNode['type'], to: PipelineNode['type']) => edges.some((e) =>
    nodes.find((n) => n.id === e.source)?.type === type && nodes.find((n) => n.id === e.target)?.type === to);
  if (!linked('index', 'rule') || !linked('rule', 'lfs') || !linked('lfs', 'train')) {
    return { code: 'NOT_CONNECTED', message: 'Connect the pipeline: Index → Rule → Labeling Functions → Train.' };
  }
  return null;
}
