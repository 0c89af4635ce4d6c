// A concept's labeling functions: listed, created per type, updated, deleted, approved (custom LFs).
import type { LabelingFunction, LfType } from '../../../shared/schema/labeling-function.ts';
import { apiPath, requestJson } from './request.ts';

/** A create or update body: the LF's fields without its type (studio/lf-definitions.ts lfBody). */
type LfBody = Record<string, unknown>;

export const listLfs = (cId: string) => requestJson<LabelingFunction[]>(apiPath`/api/concepts/${cId}/labeling-functions`);
export const createLf = (cId: string, type: LfType, body: LfBody) =>
  requestJson<LabelingFunction>(apiPath`/api/concepts/${cId}/labeling-functions/${type}`, { method: 'POST', json: body });
export const updateLf = (cId: string, lfId: string, body: LfBody) =>
  requestJson<LabelingFunction>(apiPath`/api/concepts/${cId}/labeling-functions/${lfId}`, { method: 'PATCH', json: body });
export const deleteLf = (cId: string, lfId: string) => requestJson<void>(apiPath`/api/concepts/${cId}/labeling-functions/${lfId}`, { method: 'DELETE' });
export const approveLf = (cId: string, lfId: string) =>
  requestJson<LabelingFunction>(apiPath`/api/concepts/${cId}/labeling-functions/${lfId}/approve`, { method: 'POST' });
