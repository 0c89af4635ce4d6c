// Gold labels: the analyst's own labels for a few samples, set from the notebook's sample browser.
import type { GoldLabel, GoldLabelsPutBody } from '../../../shared/schema/gold-label.ts';
import { apiPath, requestJson } from './request.ts';

export const listGoldLabels = (cId: string) => requestJson<GoldLabel[]>(apiPath`/api/concepts/${cId}/gold-labels`);
export const putGoldLabels = (cId: string, body: GoldLabelsPutBody) =>
  requestJson<{ saved: number; removed: number }>(apiPath`/api/concepts/${cId}/gold-labels`, { method: 'PUT', json: body });
