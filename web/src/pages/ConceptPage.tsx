// A concept's studio: the Asset Catalog, the pipeline canvas, and the LF notebook below it.
import { ReactFlowProvider, useEdgesState, useNodesState } from '@xyflow/react';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Catalog } from '../../../shared/schema/asset.ts';
import type { Concept } from '../../../shared/schema/concept.ts';
import type { Connection } from '../../../shared/schema/connection.ts';
import { materializeAsset } from '../api/assets.ts';
import { getCatalog, getConcept } from '../api/concepts.ts';
import { listConnections } from '../api/connections.ts';
import { getPipeline, listPipelines, savePipeline } from '../api/pipelines.ts';
import { followRun, runError, type RunProgress } from '../api/runs.ts';
import { AssetDialog, type AssetKind } from '../catalog/AssetDialog.tsx';
import { CatalogSidebar, type NodeRequest } from '../catalog/CatalogSidebar.tsx';
import type { PipelineEdge, PipelineNode, TrainSettings } from '../canvas/graph.ts';
import { PipelineCanvas } from '../canvas/PipelineCanvas.tsx';
import { PipelineContext, type PipelineActions, type TrainingState } from '../canvas/pipeline-context.ts';
import { defaultGraph, newNode, restoreGraph, toSavedGraph, type SavedGraph } from '../canvas/pipeline-graph.ts';
import { trainRefusal } from '../canvas/train-readiness.ts';
import { navigate } from '../navigation.ts';
import { Notebook } from '../notebook/Notebook.tsx';
import type { NotebookCell } from '../notebook/notebook-cell.ts';
import { resultsPath, runsPath } from '../routes.ts';
import { serverRequestFor, trainPipeline } from '../training/train-pipeline.ts';

// The page re-renders on every training progress message (up to ~50 epochs): the canvas and the notebook of LF
// cells, whose props do not change meanwhile, are skipped (the Train node hears the progress through the context).
const StudioCanvas = memo(PipelineCanvas);
const StudioNotebook = memo(Notebook);

const PIPELINE_NAME = 'default';
const SAVE_DELAY_MS = 500;

export function ConceptPage({ cId }: { cId: string }) {
  const [concept, setConcept] = useState<Concept | null>(null);
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [connections, setConnections] = useState<Connection[]>([]);
  const [nodes, setNodes, onNodesChange] = useNodesState<PipelineNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<PipelineEdge>([]);
  const [cells, setCells] = useState<NotebookCell[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const [dialog, setDialog] = useState<AssetKind | null>(null);
  const [runs, setRuns] = useState<Record<string, RunProgress>>({});
  const [training, setTraining] = useState<TrainingState>({ phase: 'idle' });
  const [notebookOpen, setNotebookOpen] = useState(true);
  const [saveState, setSaveState] = useState<'saved' | 'saving' | 'error'>('saved');
  const lastSaved = useRef('');

  const refreshCatalog = useCallback(() => getCatalog(cId).then(setCatalog), [cId]);

  useEffect(() => {
    let live = true;
    (async () => {
      const [c, cat, conns] = await Promise.all([
        getConcept(cId),
        getCatalog(cId),
        listConnections().catch((): Connection[] => []),
      ]);
      // A concept without a saved pipeline is not an error: its list says whether there is one to load.
      const pipelines = await listPipelines(cId);
      let graph: SavedGraph;
      if (pipelines.some((p) => p.name === PIPELINE_NAME)) {
        const saved = await getPipeline(cId, PIPELINE_NAME);
        graph = restoreGraph(saved.graph);
        lastSaved.current = JSON.stringify(toSavedGraph(graph.nodes, graph.edges, graph.notebook as NotebookCell[] | undefined));
      } else {
        graph = defaultGraph(cat);
      }
      if (!live) return;
      setConcept(c);
      setCatalog(cat);
      setConnections(conns);
      setNodes(graph.nodes);
      setEdges(graph.edges);
      setCells((graph.notebook as NotebookCell[] | undefined) ?? []);
      setLoaded(true);
    })().catch((e: unknown) => live && setError((e as Error).message));
    return () => { live = false; };
  }, [cId, setNodes, setEdges]);

  // The graph is saved shortly after each change that alters it (moves, edges, settings, notebook cells).
  useEffect(() => {
    if (!loaded) return;
    const body = JSON.stringify(toSavedGraph(nodes, edges, cells));
    if (body === lastSaved.current) return;
    const timer = setTimeout(() => {
      setSaveState('saving');
      savePipeline(cId, PIPELINE_NAME, JSON.parse(body)).then(() => {
        lastSaved.current = body;
        setSaveState('saved');
      }, () => setSaveState('error'));
    }, SAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [loaded, nodes, edges, cells, cId]);

  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const edgesRef = useRef(edges);
  edgesRef.current = edges;
  /** The node the canvas should bring into view and select: the one just added, or the asset's node already there. */
  const [focusNode, setFocusNode] = useState<{ id: string }>();
  const addNode = useCallback((request: NodeRequest, position?: { x: number; y: number }) => {
    const ns = nodesRef.current;
    // An index or rule is on the canvas at most once: Add selects the node it already has.
    const existing = request.assetId ? ns.find((n) => n.type === request.type && 'assetId' in n.data && n.data.assetId === request.assetId) : undefined;
    const node = existing ?? newNode(request.type, position ?? { x: 40 + (ns.length % 4) * 260, y: 320 + Math.floor(ns.length / 4) * 60 }, request.assetId);
    setNodes((current) => [...(existing ? current : [...current, node])].map((n) => ({ ...n, selected: n.id === node.id })));
    setFocusNode({ id: node.id });
  }, [setNodes]);

  const materialize = useCallback((kind: 'index' | 'rule', assetId: string) => {
    const collection = kind === 'index' ? 'indexes' : 'rules';
    setRuns((r) => ({ ...r, [assetId]: { status: 'PENDING', rowsDone: 0 } }));
    (async () => {
      const { run_id } = await materializeAsset(cId, collection, assetId);
      const run = await followRun(run_id, (p) => setRuns((r) => ({ ...r, [assetId]: p })));
      setRuns((r) => ({ ...r, [assetId]: { ...r[assetId]!, status: run.status, message: runError(run)?.message } }));
      await refreshCatalog();
    })().catch((e: unknown) => setRuns((r) => ({ ...r, [assetId]: { status: 'FAILURE', rowsDone: 0, message: (e as Error).message } })));
  }, [cId, refreshCatalog]);

  // A refusal is about the pipeline as it was: once the catalog changes, it may no longer hold.
  useEffect(() => {
    setTraining((t) => (t.phase === 'error' ? { phase: 'idle' } : t));
  }, [catalog]);

  const updateTrain = useCallback((nodeId: string, patch: Partial<TrainSettings>) => {
    setNodes((ns) => ns.map((n) => (n.id === nodeId && n.type === 'train' ? { ...n, data: { ...n.data, ...patch } } : n)));
  }, [setNodes]);

  const train = useCallback((nodeId: string) => {
    if (!catalog || !concept) return;
    const refusal = trainRefusal(nodesRef.current, edgesRef.current, catalog);
    if (refusal) {
      setTraining({ phase: 'error', message: refusal.message });
      return;
    }
    const node = nodesRef.current.find((n) => n.id === nodeId);
    if (node?.type !== 'train') return;
    trainPipeline({ concept, catalog, nodes: nodesRef.current, settings: node.data, onState: setTraining })
      .then((jobId) => navigate(resultsPath(cId, jobId)))
      .catch((e: unknown) => setTraining({ phase: 'error', message: (e as Error).message }));
  }, [catalog, concept, cId]);

  const serverRequest = useCallback((nodeId: string) => {
    if (!catalog) return { problem: 'The catalog is still loading.' };
    const refusal = trainRefusal(nodesRef.current, edgesRef.current, catalog);
    const node = nodesRef.current.find((n) => n.id === nodeId);
    if (refusal) return { problem: refusal.message };
    if (node?.type !== 'train') return { problem: 'Not a Train node.' };
    return { request: serverRequestFor(nodesRef.current, node.data, catalog.labeling_functions.filter((lf) => lf.active).map((lf) => lf.id)) };
  }, [catalog]);

  const actions: PipelineActions = useMemo(() => ({
    cId, catalog, conceptValues: concept?.values ?? [], runs, materialize, updateTrain, train, training, serverRequest,
    openNotebook: () => setNotebookOpen(true),
  }), [cId, catalog, concept, runs, materialize, updateTrain, train, training, serverRequest]);

  if (error) return <main className="page"><p role="alert" className="error">{error}</p></main>;
  return (
    <PipelineContext.Provider value={actions}>
      <div className="studio">
        <header className="topbar">
          <a href="/" onClick={(e) => { e.preventDefault(); navigate('/'); }}>Reef</a>
          <h1>{concept?.name ?? '…'}</h1>
          <span className="muted">{concept?.values.join(' / ')}</span>
          <span className={`save-state ${saveState}`} aria-live="polite">
            {saveState === 'saving' ? 'Saving…' : saveState === 'error' ? 'Not saved' : 'Saved'}
          </span>
          <a href={runsPath(cId)} onClick={(e) => { e.preventDefault(); navigate(runsPath(cId)); }}>Run history</a>
          <button type="button" onClick={() => setNotebookOpen((o) => !o)}>{notebookOpen ? 'Hide notebook' : 'Show notebook'}</button>
        </header>
        <CatalogSidebar catalog={catalog} onAdd={addNode} onCreate={setDialog} />
        <section className={notebookOpen ? 'work split' : 'work'}>
          <ReactFlowProvider>
            <StudioCanvas nodes={nodes} edges={edges} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} setEdges={setEdges} onDropRequest={addNode} focusNode={focusNode} />
          </ReactFlowProvider>
          {notebookOpen && concept && catalog && (
            <StudioNotebook concept={concept} catalog={catalog} nodes={nodes} cells={cells} setCells={setCells} onLfsChanged={refreshCatalog} />
          )}
        </section>
        {dialog && (
          <AssetDialog cId={cId} kind={dialog} connections={connections} onClose={() => setDialog(null)}
            onSaved={() => { setDialog(null); void refreshCatalog(); }} />
        )}
      </div>
    </PipelineContext.Provider>
  );
}
