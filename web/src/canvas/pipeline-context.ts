// What the canvas's custom nodes read and do: they are memo()ed and get only their own data from React Flow,
// so the catalog, run progress and actions reach them through this context.
import { createContext, useContext } from 'react';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { ServerTrainRequest } from '../training/results-store.ts';
import type { RunProgress } from '../api/runs.ts';
import type { TrainSettings } from './graph.ts';

export interface TrainingState { phase: 'idle' | 'loading' | 'training' | 'saving' | 'done' | 'error'; epoch?: number; epochs?: number; message?: string }

/** Whether a training is under way (from loading the samples to keeping the result). */
export const isTraining = ({ phase }: TrainingState) => phase === 'loading' || phase === 'training' || phase === 'saving';

export interface PipelineActions {
  catalog: Catalog | null;
  conceptValues: string[];
  /** Progress of the latest materialization per asset id, while one is being followed. */
  runs: Record<string, RunProgress>;
  materialize(kind: 'index' | 'rule', assetId: string): void;
  updateTrain(nodeId: string, patch: Partial<TrainSettings>): void;
  train(nodeId: string): void;
  /** The server's training request for this Train node's pipeline (its active LFs), or why there is none yet. */
  serverRequest(nodeId: string): { request: ServerTrainRequest } | { problem: string };
  cId: string;
  training: TrainingState;
  openNotebook(): void;
}

export const PipelineContext = createContext<PipelineActions | null>(null);

export function usePipeline(): PipelineActions {
  const value = useContext(PipelineContext);
  if (!value) throw new Error('Pipeline nodes render only inside <PipelineContext.Provider>.');
  return value;
}
