// The pipeline graph's node types: one typed union, so every node's data is checked where it is built and read.
import type { Edge, Node } from '@xyflow/react';
import type { ModelChoice } from '../../../shared/labelmodel/models.ts';
import { TRAIN_DEFAULTS, type TrainRequest } from '../../../shared/schema/training.ts';
import type { TrainFitSettings } from '../workers/train-protocol.ts';

export type { ModelChoice };

/** A train request's output_type without the seed's alias for `hard`. */
export type OutputMode = Exclude<TrainRequest['snorkel']['output_type'], 'hard_labels'>;

// A type alias, not an interface: React Flow's node data must be assignable to Record<string, unknown>.
/** A train request's model, seed, epochs and step (what the train worker fits with), and its output type. */
export type TrainSettings = TrainFitSettings & { output: OutputMode };

/** A new Train node: the API's defaults (shared/schema/training.ts), with `auto` chosen, the studio's recommendation. */
export const defaultTrainSettings: TrainSettings = { output: 'softmax', epochs: TRAIN_DEFAULTS.epochs, lr: TRAIN_DEFAULTS.lr, seed: TRAIN_DEFAULTS.seed, model: 'auto' };

export type IndexNode = Node<{ assetId: string }, 'index'>;
export type RuleNode = Node<{ assetId: string }, 'rule'>;
/** Stands for the concept's labeling functions: the notebook edits them, the node feeds their votes on. */
export type LfNode = Node<Record<string, never>, 'lfs'>;
export type TrainNode = Node<TrainSettings, 'train'>;
export type PipelineNode = IndexNode | RuleNode | LfNode | TrainNode;
export type PipelineNodeType = PipelineNode['type'];
export type PipelineEdge = Edge;

/** Allowed edges, in pipeline order: Index → Rule → Labeling Functions → Train. */
const nextStage: Record<PipelineNodeType, PipelineNodeType | undefined> = {
  index: 'rule',
  rule: 'lfs',
  lfs: 'train',
  train: undefined,
};

/**
 * Whether an edge from `source` to `target` is allowed. `typeOf` looks a node's type up by id (undefined for an
 * unknown node). Pure: React Flow calls it while the user drags, and the loader re-checks a saved graph with it.
 */
export function isValidConnection(
  connection: { source: string | null; target: string | null },
  typeOf: (id: string) => PipelineNodeType | undefined,
): boolean {
  const { source, target } = connection;
  if (!source || !target || source === target) return false;
  const from = typeOf(source);
  const to = typeOf(target);
  return from !== undefined && to !== undefined && nextStage[from] === to;
}
