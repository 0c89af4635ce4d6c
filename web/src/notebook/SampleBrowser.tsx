// Browsing samples by an LF's votes, by conflicts, by rows no LF covers, or by gold label; labelling them
// (gold labels, saved through the API) makes empirical accuracy count them.
import { useEffect, useState } from 'react';
import type { SampleFilter, SampleRow } from '../analysis/lf-session.ts';
import { dataWorker } from '../studio/workers.ts';
import { PREDICTIONS_EVENT } from '../training/train-pipeline.ts';

const PAGE = 10;

export function SampleBrowser({ lfs, values, version, onLabel }: {
  lfs: { slot: string; name: string }[];
  values: string[];
  /** Changes whenever votes or gold labels change, so the page re-reads. */
  version: number;
  onLabel: (row: SampleRow, label: number | null) => void;
}) {
  const [filterText, setFilterText] = useState('all');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ total: number; rows: SampleRow[]; predicted: boolean }>({ total: 0, rows: [], predicted: false });
  const [confidence, setConfidence] = useState({ min: 0, max: 1 });
  // A training elsewhere on the page (the pipeline's Train node) brings predictions to filter by.
  const [trained, setTrained] = useState(0);
  useEffect(() => {
    const onPredictions = () => setTrained((t) => t + 1);
    window.addEventListener(PREDICTIONS_EVENT, onPredictions);
    return () => window.removeEventListener(PREDICTIONS_EVENT, onPredictions);
  }, []);

  useEffect(() => {
    const [kind, arg] = filterText.split(':');
    const filter: SampleFilter = kind === 'lf' ? { kind: 'lf', slot: arg! } : kind === 'gold' ? { kind: 'gold', label: Number(arg) }
      : kind === 'predicted' ? { kind: 'predicted', label: Number(arg), minConfidence: confidence.min, maxConfidence: confidence.max }
      : { kind: kind as 'all' | 'conflicts' | 'abstain-all' };
    let live = true;
    dataWorker().samples(filter, offset, PAGE).then((p) => live && setPage(p), () => undefined);
    return () => { live = false; };
  }, [filterText, offset, version, trained, confidence]);
  const confidenceInput = (bound: 'min' | 'max') => (
    <label>{bound === 'min' ? 'Confidence from' : 'to'} <input type="number" min={0} max={1} step={0.05} value={confidence[bound]} aria-label={`Confidence ${bound}`}
      onChange={(e) => { setConfidence((c) => ({ ...c, [bound]: Number(e.target.value) })); setOffset(0); }} /></label>
  );

  return (
    <section className="sample-browser" aria-label="Sample browser">
      <h3>Samples</h3>
      <div className="notebook-toolbar">
        <select value={filterText} onChange={(e) => { setFilterText(e.target.value); setOffset(0); }} aria-label="Sample filter">
          <option value="all">All samples</option>
          <option value="conflicts">Conflicts</option>
          <option value="abstain-all">No LF votes (abstain-all)</option>
          {lfs.map((lf) => <option key={lf.slot} value={`lf:${lf.slot}`}>Voted by {lf.name}</option>)}
          {values.map((v, i) => <option key={v} value={`gold:${i}`}>Gold label {v}</option>)}
          {page.predicted && values.map((v, i) => <option key={`p-${v}`} value={`predicted:${i}`}>Predicted {v}</option>)}
          {page.predicted && <option value="predicted:-1">Predicted: no label (-1: a tie, or no votes)</option>}
        </select>
        {filterText.startsWith('predicted:') && <>{confidenceInput('min')}{confidenceInput('max')}</>}
        <span className="muted">{page.total.toLocaleString('en-US')} rows</span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset((o) => Math.max(0, o - PAGE))}>‹ Prev</button>
        <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset((o) => o + PAGE)}>Next ›</button>
      </div>
      <div className="table-scroll">
        <table>
          <thead><tr><th>Key</th><th>Sample</th>{page.predicted && <th>Predicted</th>}<th>Gold label</th></tr></thead>
          <tbody>
            {page.rows.map((r) => (
              <tr key={r.row} data-testid={`sample-${r.key}`}>
                <td>{r.key}</td>
                <td title={Object.values(r.fields).join(' · ')}>{Object.entries(r.fields).filter(([k]) => k !== 'id').map(([, v]) => v).join(' · ')}</td>
                {page.predicted && <td>{r.predicted === undefined ? '' : `${r.predicted < 0 ? 'tie' : values[r.predicted]} (${(r.confidence ?? 0).toFixed(2)})`}</td>}
                <td className="gold">
                  {values.map((v, i) => (
                    <button key={v} type="button" className={r.gold === i ? 'primary' : ''} aria-pressed={r.gold === i}
                      onClick={() => onLabel(r, r.gold === i ? null : i)}>{v}</button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
