// The Asset Catalog: a concept's indexes and rules with their materialization status, and the pipeline's
// other node kinds. Items are added with their button or dragged onto the canvas.
import type { DragEvent } from 'react';
import type { Asset, Catalog } from '../../../shared/schema/asset.ts';
import type { PipelineNodeType } from '../canvas/graph.ts';
import type { AssetKind } from './AssetDialog.tsx';

export const DRAG_MIME = 'application/reef-node';
export interface NodeRequest { type: PipelineNodeType; assetId?: string }

const startDrag = (request: NodeRequest) => (e: DragEvent) => {
  e.dataTransfer.setData(DRAG_MIME, JSON.stringify(request));
  e.dataTransfer.effectAllowed = 'move';
};

function AssetItem({ asset, type, onAdd }: { asset: Asset; type: 'index' | 'rule'; onAdd: (r: NodeRequest) => void }) {
  const request = { type, assetId: asset.id };
  return (
    <li className="catalog-item" draggable onDragStart={startDrag(request)} data-testid={`catalog-${type}-${asset.name}`}>
      <span className={asset.is_materialized ? 'mark ready' : 'mark'} title={asset.is_materialized ? 'Materialized' : 'Not materialized'}>
        {asset.is_materialized ? '✓' : '○'}
      </span>
      <span className="item-name">{asset.name}</span>
      <span className="muted rows">{asset.row_count === null ? '— rows' : `${asset.row_count.toLocaleString('en-US')} rows`}</span>
      <button type="button" onClick={() => onAdd(request)} aria-label={`Add ${asset.name}`}>Add</button>
    </li>
  );
}

export function CatalogSidebar({ catalog, onAdd, onCreate }: {
  catalog: Catalog | null;
  onAdd: (r: NodeRequest) => void;
  onCreate: (kind: AssetKind) => void;
}) {
  return (
    <aside className="catalog" aria-label="Asset Catalog">
      <h2>Asset Catalog</h2>
      <section>
        <h3>Indexes</h3>
        <ul>{catalog?.indexes.map((a) => <AssetItem key={a.id} asset={a} type="index" onAdd={onAdd} />)}</ul>
        {catalog && catalog.indexes.length === 0 && <p className="muted">No indexes yet.</p>}
        <button type="button" className="create" onClick={() => onCreate('indexes')}>+ Create Index</button>
      </section>
      <section>
        <h3>Rules / Features</h3>
        <ul>{catalog?.rules.map((a) => <AssetItem key={a.id} asset={a} type="rule" onAdd={onAdd} />)}</ul>
        {catalog && catalog.rules.length === 0 && <p className="muted">No rules yet.</p>}
        <button type="button" className="create" onClick={() => onCreate('rules')}>+ Create Rule</button>
      </section>
      <section>
        <h3>Pipeline Nodes</h3>
        <button type="button" className="create" draggable onDragStart={startDrag({ type: 'lfs' })} onClick={() => onAdd({ type: 'lfs' })}>+ LF Configuration</button>
        <button type="button" className="create" draggable onDragStart={startDrag({ type: 'train' })} onClick={() => onAdd({ type: 'train' })}>+ Train Node</button>
      </section>
    </aside>
  );
}
