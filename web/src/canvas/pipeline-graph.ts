// Building, saving and restoring the pipeline graph. Only what defines the pipeline is stored (ids, types,
// positions, data, edges, notebook cells): React Flow's runtime fields (selection, measured sizes) are not.
import type { Catalog } from '../../../shared/schema/asset.ts';
import { defaultTrainSettings, isValidConnection, type PipelineEdge, type PipelineNode, type PipelineNodeType } from './graph.ts';

export interface SavedGraph { nodes: PipelineNode[]; edges: PipelineEdge[]; notebook?: { id: string; kind: string }[] }

const nodeTypes: PipelineNodeType[] = ['index', 'rule', 'lfs', 'train'];

export function nodeId(type: PipelineNodeType): string {
  return `${type}-${crypto.randomUUID().slice(0, 8)}`;
}

export function newNode(type: PipelineNodeType, position: { x: number; y: number }, assetId?: string): PipelineNode {
  const id = nodeId(type);
  if (type === 'index' || type === 'rule') return { id, type, position, data: { assetId: assetId ?? '' } };
  if (type === 'lfs') return { id, type, position, data: {} };
  return { id, type, position, data: { ...defaultTrainSettings } };
}

/** The demo layout when a concept has no saved pipeline yet: its first index, its rules, its LFs, a Train node. */
export function defaultGraph(catalog: Catalog): SavedGraph {
  const nodes: PipelineNode[] = [];
  const edges: PipelineEdge[] = [];
  const index = catalog.indexes[0];
  if (!index) return { nodes, edges };
  const indexNode = newNode('index', { x: 0, y: 80 }, index.id);
  nodes.push(indexNode);
  const lfNode = newNode('lfs', { x: 560, y: 80 });
  catalog.rules.forEach((rule, i) => {
    const ruleNode = newNode('rule', { x: 280, y: i * 170 }, rule.id);
    nodes.push(ruleNode);
    edges.push({ id: `e-${indexNode.id}-${ruleNode.id}`, source: indexNode.id, target: ruleNode.id });
    edges.push({ id: `e-${ruleNode.id}-${lfNode.id}`, source: ruleNode.id, target: lfNode.id });
  });
  const trainNode = newNode('train', { x: 840, y: 40 });
  nodes.push(lfNode, trainNode);
  edges.push({ id: `e-${lfNode.id}-${trainNode.id}`, source: lfNode.id, target: trainNode.id });
  return { nodes, edges };
}

/** What is stored: the defining fields only, so a save does not change when a node is merely selected or measured. */
export function toSavedGraph(nodes: PipelineNode[], edges: PipelineEdge[], notebook: SavedGraph['notebook']): SavedGraph {
  return {
    nodes: nodes.map((n) => ({ id: n.id, type: n.type, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) }, data: n.data }) as PipelineNode),
    edges: edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
    notebook,
  };
}

/** A stored graph as the canvas can use it: unknown node types and edges the rules forbid are dropped. */
export function restoreGraph(stored: { nodes: unknown[]; edges: unknown[]; notebook?: unknown[] }): SavedGraph {
  const nodes = (stored.nodes as PipelineNode[]).filter((n) => nodeTypes.includes(n.type) && n.position && n.data);
  const typeOf = (id: string) => nodes.find((n) => n.id === id)?.type;
  // Id and ends only: graphs saved before edges stopped animating say `animated: true` (each frame of it repainted the page).
  const edges = (stored.edges as PipelineEdge[]).filter((e) => isValidConnection(e, typeOf)).map(({ id, source, target }) => ({ id, source, target }));
  return { nodes, edges, notebook: stored.notebook as SavedGraph['notebook'] };
}
