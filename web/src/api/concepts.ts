// Concepts and their catalog (indexes, rules and LFs with materialization status).
import type { z } from 'zod';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept, ConceptCreate } from '../../../shared/schema/concept.ts';
import { apiPath, requestJson } from './request.ts';

export const listConcepts = () => requestJson<Concept[]>('/api/concepts');
export const createConcept = (body: z.input<typeof ConceptCreate>) => requestJson<Concept>('/api/concepts', { method: 'POST', json: body });
export const getConcept = (cId: string) => requestJson<Concept>(apiPath`/api/concepts/${cId}`);
export const getCatalog = (cId: string) => requestJson<Catalog>(apiPath`/api/concepts/${cId}/catalog`);
