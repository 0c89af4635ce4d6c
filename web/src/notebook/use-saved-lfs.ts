// The concept's saved LFs as the API has them, refreshed after each save, delete or approval.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LabelingFunction } from '../../../shared/schema/labeling-function.ts';
import { listLfs } from '../api/labeling-functions.ts';

/** `onError` should be stable (a state setter): it is a dependency of the refresh. */
export function useSavedLfs(cId: string, onError: (message: string) => void) {
  const [lfs, setLfs] = useState<LabelingFunction[] | null>(null);
  const refreshLfs = useCallback(() => listLfs(cId).then(setLfs, (e: unknown) => onError((e as Error).message)), [cId, onError]);
  useEffect(() => { void refreshLfs(); }, [refreshLfs]);
  const lfById = useMemo(() => new Map((lfs ?? []).map((lf) => [lf.lf_id, lf])), [lfs]);
  return { lfs, lfById, refreshLfs };
}
