import { describe, expect, it } from 'vitest';
import { restoreGraph } from './pipeline-graph.ts';

describe('restoreGraph', () => {
  const nodes = [
    { id: 'i', type: 'index', position: { x: 0, y: 0 }, data: { assetId: 'a' } },
    { id: 'l', type: 'lfs', position: { x: 1, y: 0 }, data: {} },
    { id: 'r', type: 'rule', position: { x: 2, y: 0 }, data: { assetId: 'b' } },
  ];
  it('keeps the edges the rules allow, by id and ends only: an edge saved animated loads still', () => {
    const edges = [
      { id: 'e1', source: 'i', target: 'r', animated: true },
      { id: 'e2', source: 'r', target: 'l', animated: true, selected: true },
      { id: 'e3', source: 'i', target: 'l' },
    ];
    expect(restoreGraph({ nodes, edges }).edges).toEqual([{ id: 'e1', source: 'i', target: 'r' }, { id: 'e2', source: 'r', target: 'l' }]);
  });
});
