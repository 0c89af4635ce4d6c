// The LF summary: every applied LF's statistics in one sortable table (the core issue's LF analysis).
import { useState } from 'react';
import type { LfStats } from '../../../shared/analysis/analyze.ts';

export interface SummaryRow { slot: string; name: string; type: string; label: string; stats: LfStats }
type SortKey = 'name' | 'coverage' | 'overlaps' | 'conflicts' | 'empiricalAccuracy';

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

export function LfSummary({ rows, values, overall }: { rows: SummaryRow[]; values: string[]; overall?: { coverage: number; overlap: number; conflict: number; n: number } }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'coverage', desc: true });
  const sorted = [...rows].sort((a, b) => {
    const av = sort.key === 'name' ? a.name : (a.stats[sort.key] ?? -1);
    const bv = sort.key === 'name' ? b.name : (b.stats[sort.key] ?? -1);
    const cmp = av < bv ? -1 : av > bv ? 1 : 0;
    return sort.desc ? -cmp : cmp;
  });
  const header = (key: SortKey, title: string) => (
    <th onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'name' }))} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      {title}{sort.key === key ? (sort.desc ? ' ▾' : ' ▴') : ''}
    </th>
  );
  return (
    <section className="summary" aria-label="LF summary">
      <h3>LF summary</h3>
      {overall && <p className="muted">{overall.n.toLocaleString('en-US')} samples · covered {pct(overall.coverage)} · overlap {pct(overall.overlap)} · conflict {pct(overall.conflict)}</p>}
      <table>
        <thead><tr>{header('name', 'LF')}<th>Type</th><th>Label</th><th>Polarity</th>{header('coverage', 'Coverage')}{header('overlaps', 'Overlaps')}{header('conflicts', 'Conflicts')}<th>Correct</th><th>Incorrect</th>{header('empiricalAccuracy', 'Emp. Acc.')}</tr></thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.slot}>
              <td>{r.name}</td><td>{r.type}</td><td>{r.label}</td>
              <td>{r.stats.polarity.map((p) => values[p] ?? p).join(', ') || '—'}</td>
              <td>{pct(r.stats.coverage)}</td><td>{pct(r.stats.overlaps)}</td><td>{pct(r.stats.conflicts)}</td>
              <td>{r.stats.correct ?? 0}</td><td>{r.stats.incorrect ?? 0}</td>
              <td>{(r.stats.correct ?? 0) + (r.stats.incorrect ?? 0) ? pct(r.stats.empiricalAccuracy) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
