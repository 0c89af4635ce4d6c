// Browsing samples by an LF's votes, by conflicts, by rows no LF covers, or by gold label; labelling them
// (gold labels, saved through the API) makes empirical accuracy count them.
import { useEffect, useState } from 'react';
import type { SampleFilter, SampleRow } from '../analysis/lf-session.ts';
import { dataWorker } from '../studio/workers.ts';

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
  const [page, setPage] = useState<{ total: number; rows: SampleRow[] }>({ total: 0, rows: [] });

  useEffect(() => {
    const [kind, arg] = filterText.split(':');
    const filter: SampleFilter = kind === 'lf' ? { kind: 'lf', slot: arg! } : kind === 'gold' ? { kind: 'gold', label: Number(arg) }
      : { kind: kind as 'all' | 'conflicts' | 'abstain-all' };
    let live = true;
    dataWorker().samples(filter, offset, PAGE).then((p) => live && setPage(p), () => undefined);
    return () => { live = false; };
  }, [filterText, offset, version]);

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
        </select>
        <span className="muted">{page.total.toLocaleString('en-US')} rows</span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset((o) => Math.max(0, o - PAGE))}>‹ Prev</button>
        <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset((o) => o + PAGE)}>Next ›</button>
      </div>
      <div className="table-scroll">
        <table>
          <thead><tr><th>Key</th><th>Sample</th><th>Gold label</th></tr></thead>
          <tbody>
            {page.rows.map((r) => (
              <tr key={r.row} data-testid={`sample-${r.key}`}>
                <td>{r.key}</td>
                <td title={Object.values(r.fields).join(' · ')}>{Object.entries(r.fields).filter(([k]) => k !== 'id').map(([, v]) => v).join(' · ')}</td>
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
