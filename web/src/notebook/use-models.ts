// The concept's uploaded models, for model LF cells; a cell's upload adds to them.
import { useEffect, useState } from 'react';
import { listModels, type ModelInfo } from '../api/models.ts';

export function useModels(cId: string): { models: ModelInfo[]; addModel: (model: ModelInfo) => void } {
  const [models, setModels] = useState<ModelInfo[]>([]);
  useEffect(() => { listModels(cId).then(setModels, () => undefined); }, [cId]);
  return { models, addModel: (model) => setModels((ms) => [...ms, model]) };
}
