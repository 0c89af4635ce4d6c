// The pipeline's samples loaded in the data worker (once per set of asset versions), with the concept's gold
// labels placed on them; the custom-LF editor learns the samples' row type.
import { useEffect, useState } from 'react';
import type { GoldLabel } from '../../../shared/schema/gold-label.ts';
import { listGoldLabels } from '../api/gold-labels.ts';
import { publishRowType } from '../editor/custom-lf-row-type.ts';
import { ensureLoaded, type PipelineAssets } from '../studio/workspace.ts';
import { dataWorker } from '../studio/workers.ts';
import type { LoadResult } from '../workers/studio-data-protocol.ts';

export interface SampleLoad { phase: 'idle' | 'loading' | 'ready' | 'error'; result?: LoadResult; message?: string }

/** `onLoaded` runs as the samples become ready, before the notebook re-renders with them. */
export function useSampleLoad(assets: PipelineAssets | { problem: string }, k: number, cId: string, onLoaded: () => void): SampleLoad {
  const [load, setLoad] = useState<SampleLoad>({ phase: 'idle' });
  const assetsKey = 'problem' in assets ? '' : assets.key;
  useEffect(() => {
    if (!assetsKey || 'problem' in assets) return;
    let live = true;
    setLoad({ phase: 'loading' });
    ensureLoaded(assets, k).then(async (result) => {
      const gold = await listGoldLabels(cId).catch((): GoldLabel[] => []);
      await dataWorker().setGoldByKey(gold.map((g) => ({ key: g.sample_key, label: g.label })));
      if (!live) return;
      onLoaded();
      setLoad({ phase: 'ready', result });
      publishRowType(result.rowType);
    }, (e: unknown) => live && setLoad({ phase: 'error', message: (e as Error).message }));
    return () => { live = false; };
  }, [assetsKey, k, cId]); // eslint-disable-line react-hooks/exhaustive-deps
  return load;
}
