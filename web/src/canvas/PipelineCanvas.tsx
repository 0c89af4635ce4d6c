// The pipeline canvas: React Flow over the page's graph state, with catalog items dropped onto it.
import {
  Background, Controls, MiniMap, ReactFlow, addEdge, useReactFlow,
  type Connection, type Edge, type OnEdgesChange, type OnNodesChange,
} from '@xyflow/react';
import { useCallback, useEffect, type Dispatch, type DragEvent, type SetStateAction } from 'react';
import { DRAG_MIME, type NodeRequest } from '../catalog/CatalogSidebar.tsx';
import { isValidConnection, type PipelineEdge, type PipelineNode } from './graph.ts';
import { nodeTypes } from './nodes.tsx';

export function PipelineCanvas({ nodes, edges, onNodesChange, onEdgesChange, setEdges, onDropRequest, focusNode }: {
  nodes: PipelineNode[];
  edges: PipelineEdge[];
  onNodesChange: OnNodesChange<PipelineNode>;
  onEdgesChange: OnEdgesChange<PipelineEdge>;
  setEdges: Dispatch<SetStateAction<PipelineEdge[]>>;
  onDropRequest: (request: NodeRequest, position: { x: number; y: number }) => void;
  /** A node to bring into view (one just added from the catalog, or the one it already had); a new object each time. */
  focusNode?: { id: string };
}) {
  const { screenToFlowPosition, fitView } = useReactFlow();
  useEffect(() => {
    if (!focusNode) return;
    // After the node is measured (the frame after it is added), zoom no further in than the canvas's default.
    const frame = requestAnimationFrame(() => void fitView({ nodes: [{ id: focusNode.id }], maxZoom: 1, padding: 0.5, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [focusNode, fitView]);
  const typeOf = useCallback((id: string) => nodes.find((n) => n.id === id)?.type, [nodes]);
  const checkConnection = useCallback((c: Connection | Edge) => isValidConnection(c, typeOf), [typeOf]);
  const onConnect = useCallback((c: Connection) => setEdges((es) => addEdge(c, es)), [setEdges]);
  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(DRAG_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
  }, []);
  const onDrop = useCallback((e: DragEvent) => {
    const raw = e.dataTransfer.getData(DRAG_MIME);
    if (!raw) return;
    e.preventDefault();
    onDropRequest(JSON.parse(raw) as NodeRequest, screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  }, [onDropRequest, screenToFlowPosition]);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for catalog items; Add buttons are the keyboard path
    <section className="canvas" onDragOver={onDragOver} onDrop={onDrop} aria-label="Pipeline canvas">
      <ReactFlow<PipelineNode, PipelineEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={checkConnection}
        // Delete as well as Backspace removes the selected node or edge.
        deleteKeyCode={['Backspace', 'Delete']}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
        <MiniMap pannable zoomable position="bottom-right" style={{ width: 140, height: 90 }} />
      </ReactFlow>
    </section>
  );
}
