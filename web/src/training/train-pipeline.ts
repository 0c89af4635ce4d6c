import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import type { PipelineNode, TrainSettings } from '../canvas/graph.ts';
import type { TrainingState } from '../canvas/pipeline-context.ts';

export async function trainPipeline(_input: {
  concept: Concept; catalog: Catalog; nodes: PipelineNode[]; settings: TrainSettings; onState: (s: TrainingState) => void;
}): Promise<string> {
  throw new Error('Training in the browser is not wired yet.');
}
