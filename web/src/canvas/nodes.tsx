// The canvas's custom nodes. Each is memo()ed (React Flow re-renders nodes on every drag frame otherwise) and
// registered in `nodeTypes` at module scope (a new object per render would remount every node).
import { Handle, Position, type NodeProps, type NodeTypes } from '@xyflow/react';
import { memo, useState } from 'react';
import type { Asset } from '../../../shared/schema/asset.ts';
import type { IndexNode, LfNode, ModelChoice, RuleNode, TrainNode } from './graph.ts';
import { isTraining, usePipeline } from './pipeline-context.ts';
import { ScheduleForm } from './ScheduleForm.tsx';

const rows = (n: number | null | undefined) => (n ?? 0).toLocaleString('en-US');

function MaterializationStatus({ asset, kind }: { asset: Asset | undefined; kind: 'index' | 'rule' }) {
  const { runs, materialize } = usePipeline();
  if (!asset) return <p className="error">This asset no longer exists.</p>;
  const run = runs[asset.id];
  if (run && (run.status === 'PENDING' || run.status === 'RUNNING')) {
    return (
      <div className="materializing">
        <progress max={1} value={run.fraction} aria-label={`Materializing ${asset.name}`} />
        <span className="muted">{run.status === 'PENDING' ? 'Queued…' : `${rows(run.rowsDone)} rows written`}</span>
      </div>
    );
  }
  if (asset.is_materialized) return <p className="status ready">✓ Ready ({rows(asset.row_count)} rows)</p>;
  return (
    <div>
      <p className="status">○ Not Materialized</p>
      {run?.status === 'FAILURE' && <p className="error">{run.message || 'Materialization failed.'}</p>}
      <button type="button" className="nodrag" onClick={() => materialize(kind, asset.id)}>Materialize</button>
    </div>
  );
}

function AssetNodeBody({ assetId, kind }: { assetId: string; kind: 'index' | 'rule' }) {
  const { catalog } = usePipeline();
  const asset = (kind === 'index' ? catalog?.indexes : catalog?.rules)?.find((a) => a.id === assetId);
  return (
    <>
      <header>{kind === 'index' ? 'Index' : 'Rule'}</header>
      <strong>{asset?.name ?? '…'}</strong>
      {catalog && <MaterializationStatus asset={asset} kind={kind} />}
    </>
  );
}

const IndexNodeView = memo(function IndexNodeView({ data }: NodeProps<IndexNode>) {
  return (
    <div className="node node-index" data-testid="node-index">
      <AssetNodeBody assetId={data.assetId} kind="index" />
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const RuleNodeView = memo(function RuleNodeView({ data }: NodeProps<RuleNode>) {
  return (
    <div className="node node-rule" data-testid="node-rule">
      <Handle type="target" position={Position.Left} />
      <AssetNodeBody assetId={data.assetId} kind="rule" />
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const LfNodeView = memo(function LfNodeView(_props: NodeProps<LfNode>) {
  const { catalog, openNotebook } = usePipeline();
  const lfs = catalog?.labeling_functions ?? [];
  const active = lfs.filter((lf) => lf.active).length;
  return (
    <div className="node node-lfs" data-testid="node-lfs">
      <Handle type="target" position={Position.Left} />
      <header>Labeling Functions</header>
      <p>{active} active of {lfs.length}</p>
      <ul className="lf-list">{lfs.slice(0, 6).map((lf) => <li key={lf.id}>{lf.name} → {lf.label_name}{lf.active ? '' : ' (inactive)'}</li>)}</ul>
      <button type="button" className="nodrag" onClick={openNotebook}>Open notebook</button>
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const models: { value: ModelChoice; label: string }[] = [
  { value: 'auto', label: 'auto' }, { value: 'snorkel', label: 'snorkel' },
  { value: 'mv', label: 'majority vote' }, { value: 'ds', label: 'Dawid–Skene' }, { value: 'fs', label: 'FlyingSquid' },
];

const TrainNodeView = memo(function TrainNodeView({ id, data }: NodeProps<TrainNode>) {
  const { updateTrain, train, training } = usePipeline();
  const number = (key: 'epochs' | 'lr' | 'seed') => (e: { target: { value: string } }) => {
    const value = Number(e.target.value);
    if (Number.isFinite(value)) updateTrain(id, { [key]: value });
  };
  const busy = isTraining(training);
  const [scheduling, setScheduling] = useState(false);
  // Epochs and lr are Snorkel's: auto picks its own among its candidates, the other models have none.
  const snorkelOnly = data.model === 'snorkel' ? undefined : `${data.model === 'auto' ? 'auto chooses its own' : 'only for snorkel'}`;
  return (
    <div className="node node-train nodrag-inputs" data-testid="node-train">
      <Handle type="target" position={Position.Left} />
      <header>Train Snorkel</header>
      <fieldset className="nodrag">
        <label><input type="radio" name={`out-${id}`} checked={data.output === 'softmax'} onChange={() => updateTrain(id, { output: 'softmax' })} /> Softmax (Probabilities)</label>
        <label><input type="radio" name={`out-${id}`} checked={data.output === 'hard'} onChange={() => updateTrain(id, { output: 'hard' })} /> Hard Labels</label>
      </fieldset>
      <div className="train-params nodrag">
        <label title={snorkelOnly}>Epochs <input type="number" min={1} value={data.epochs} disabled={!!snorkelOnly} onChange={number('epochs')} /></label>
        <label title={snorkelOnly}>lr <input type="number" step="0.001" min={0} value={data.lr} disabled={!!snorkelOnly} onChange={number('lr')} /></label>
        <label>Seed <input type="number" value={data.seed} onChange={number('seed')} /></label>
        <label>Model
          <select value={data.model} onChange={(e) => updateTrain(id, { model: e.target.value as ModelChoice })}>
            {models.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
          </select>
        </label>
      </div>
      <div className="row nodrag">
        <button type="button" className="primary" disabled={busy} onClick={() => train(id)}>Train Model</button>
        <button type="button" onClick={() => setScheduling((s) => !s)} aria-expanded={scheduling}>Schedule…</button>
      </div>
      {scheduling && <ScheduleForm nodeId={id} onClose={() => setScheduling(false)} />}
      {busy && (
        <div className="training">
          {/* Always a value: an indeterminate bar animates, and without a GPU every frame of it is a repaint. */}
          <progress max={training.epochs ?? 1} value={training.phase === 'saving' ? (training.epochs ?? 1) : (training.epoch ?? 0)} aria-label="Training progress" />
          <span className="muted">{training.phase === 'loading' ? 'Loading data…' : training.phase === 'saving' ? 'Keeping the results on the server…' : training.epochs ? `Epoch ${training.epoch ?? 0} / ${training.epochs}` : `Fitting ${data.model === 'auto' ? "auto's candidates" : data.model}…`}</span>
        </div>
      )}
      {training.phase === 'error' && <p role="alert" className="error">{training.message}</p>}
    </div>
  );
});

export const nodeTypes: NodeTypes = { index: IndexNodeView, rule: RuleNodeView, lfs: LfNodeView, train: TrainNodeView };
