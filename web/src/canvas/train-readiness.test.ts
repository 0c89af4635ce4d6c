import { describe, expect, it } from 'vitest';
import type { Asset, Catalog } from '../../../shared/schema/asset.ts';
import { defaultTrainSettings, type PipelineEdge, type PipelineNode } from './graph.ts';
import { trainRefusal } from './train-readiness.ts';

const asset = (id: string, is_materialized: boolean): Asset => ({
  id, c_id: 'c', name: `asset ${id}`, conn_id: 'k', sql_query: 'SELECT 1', query_template_params: {}, key_column: 'id',
  partition_type: null, partition_config: null, is_materialized, row_count: is_materialized ? 10 : null,
  storage_path: null, current_version_id: null, materialized_at: null, created_at: '', updated_at: '',
});
const lf = { id: 'lf1', lf_id: 'lf1', name: 'lf', lf_type: 'regex', label: 0, label_name: 'SPAM', active: true, is_active: true, requires_approval: false, version: 1 };
const catalog = (materialized = true): Catalog => ({ indexes: [asset('a', materialized)], rules: [asset('b', true)], labeling_functions: [lf] });

const at = { x: 0, y: 0 };
const nodes: PipelineNode[] = [
  { id: 'i', type: 'index', position: at, data: { assetId: 'a' } },
  { id: 'r', type: 'rule', position: at, data: { assetId: 'b' } },
  { id: 'l', type: 'lfs', position: at, data: {} },
  { id: 't', type: 'train', position: at, data: defaultTrainSettings },
];
const edges: PipelineEdge[] = [
  { id: 'e1', source: 'i', target: 'r' }, { id: 'e2', source: 'r', target: 'l' }, { id: 'e3', source: 'l', target: 't' },
];
const without = (type: string) => nodes.filter((n) => n.type !== type);

describe('trainRefusal', () => {
  it('accepts a complete, materialized, connected pipeline', () => {
    expect(trainRefusal(nodes, edges, catalog())).toBeNull();
  });
  it('refuses, in the seed\'s order, a missing index, missing rules, missing LFs', () => {
    expect(trainRefusal(without('index'), edges, catalog())?.code).toBe('NO_INDEX');
    expect(trainRefusal(without('rule'), edges, catalog())?.code).toBe('NO_RULES');
    expect(trainRefusal(without('lfs'), edges, catalog())?.code).toBe('NO_LFS');
    expect(trainRefusal(nodes, edges, { ...catalog(), labeling_functions: [{ ...lf, active: false }] })?.code).toBe('NO_LFS');
  });
  it('names the unmaterialized asset', () => {
    expect(trainRefusal(nodes, edges, catalog(false))).toEqual({
      code: 'NOT_MATERIALIZED', message: 'Materialize "asset a" first: training reads its rows.',
    });
  });
  it('refuses a pipeline whose stages are not connected', () => {
    expect(trainRefusal(nodes, edges.slice(0, 2), catalog())?.code).toBe('NOT_CONNECTED');
  });
});
