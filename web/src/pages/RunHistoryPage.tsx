// A concept's run history (/concepts/{c_id}/runs): every materialization and training, browser or server, with
// its status, parameters, metrics and the exact LF and asset versions it read; two training runs side by side.
import { useEffect, useMemo, useState } from 'react';
import type { Concept } from '../../../shared/schema/concept.ts';
import { getConcept } from '../api/concepts.ts';
import { compareRuns, conceptRuns, runError, type Run, type RunComparison } from '../api/runs.ts';
import { navigate } from '../navigation.ts';
import { conceptPath, resultsPath } from '../routes.ts';

// What the history reads of a run's params, metrics and lineage (their producers: edge-api/runs/).
interface TrainView {
  request?: { model?: string; snorkel?: { output_type?: string } };
  source?: string;
  lineage?: { index: AssetPin; rules: AssetPin[]; lfs: { name: string; version: number }[] };
}
interface AssetPin { name: string; version: number }
interface TrainMetricsView { rows?: number; coverage?: number; abstained?: number; fit?: { model?: string; dev?: { accuracy: number; f1_macro: number } } }
interface MaterializeView { asset_kind?: string; asset_name?: string; version?: number }

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '—');
const percent = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(1)}%`);
const metric = (x: number | null) => (x === null ? '—' : Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(4));
const duration = (run: Run) => (run.started_at && run.finished_at ? `${((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000).toFixed(1)} s` : '—');

function describe(run: Run) {
  if (run.kind === 'materialize') {
    const p = run.params as MaterializeView;
    const rows = (run.metrics as { row_count?: number } | null)?.row_count;
    return {
      what: `Materialize ${p.asset_kind === 'rules' ? 'rule' : 'index'} ${p.asset_name ?? ''} v${p.version ?? '?'}`, where: 'server',
      model: '', rows, coverage: undefined, dev: undefined, reads: '',
    };
  }
  const p = run.params as TrainView;
  const m = (run.metrics ?? {}) as TrainMetricsView;
  const chosen = p.request?.model ?? '?';
  const ran = m.fit?.model;
  const lineage = p.lineage;
  return {
    what: 'Train', where: p.source === 'browser' ? 'browser' : 'server',
    model: ran && ran !== chosen ? `${chosen} → ${ran}` : chosen,
    rows: m.rows, coverage: m.coverage, dev: m.fit?.dev,
    reads: lineage ? [
      `${lineage.index.name} v${lineage.index.version}`, ...lineage.rules.map((r) => `${r.name} v${r.version}`),
      `${lineage.lfs.length} LFs: ${lineage.lfs.map((lf) => `${lf.name} v${lf.version}`).join(', ')}`,
    ].join(' · ') : '',
  };
}

export function RunHistoryPage({ cId }: { cId: string }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [concept, setConcept] = useState<Concept | null>(null);
  const [show, setShow] = useState<'all' | 'train' | 'materialize'>('all');
  const [picked, setPicked] = useState<string[]>([]);
  const [comparison, setComparison] = useState<RunComparison | null>(null);
  const [error, setError] = useState<string>();

  useEffect(() => {
    getConcept(cId).then(setConcept, (e: Error) => setError(e.message));
    conceptRuns(cId, 'all').then(setRuns, (e: Error) => setError(e.message));
  }, [cId]);

  const shown = useMemo(() => (runs ?? []).filter((r) => show === 'all' || r.kind === show), [runs, show]);
  const comparable = (r: Run) => r.kind === 'train' && r.status === 'SUCCESS';
  const toggle = (runId: string) => setPicked((p) => (p.includes(runId) ? p.filter((x) => x !== runId) : [...p.slice(-1), runId]));
  const compare = () => {
    // Older first: the differences read as "what changed since".
    const [a, b] = [...picked].sort((x, y) => Date.parse(runs!.find((r) => r.run_id === x)!.created_at) - Date.parse(runs!.find((r) => r.run_id === y)!.created_at));
    setComparison(null);
    compareRuns(cId, a!, b!).then(setComparison, (e: Error) => setError(e.message));
  };
  const className = (y: number) => concept?.values[y] ?? (y < 0 ? 'no label' : String(y));
  const short = (runId: string) => runId.slice(0, 8);

  return (
    <main className="page run-history">
      <a href={conceptPath(cId)} onClick={(e) => { e.preventDefault(); navigate(conceptPath(cId)); }}>← Back to the pipeline</a>
      <h1>Run history{concept ? ` — ${concept.name}` : ''}</h1>
      {error && <p role="alert" className="error">{error}</p>}
      <div className="notebook-toolbar">
        <label>Show{' '}
          <select value={show} onChange={(e) => setShow(e.target.value as typeof show)}>
            <option value="all">All runs</option>
            <option value="train">Training</option>
            <option value="materialize">Materialization</option>
          </select>
        </label>
        <button type="button" disabled={picked.length !== 2} onClick={compare}>Compare selected</button>
        <span className="muted">{picked.length === 2 ? '' : 'Tick two successful training runs to compare them.'}</span>
      </div>
      {runs === null ? <p>Loading…</p> : shown.length === 0 ? <p>No runs yet: materialize an asset or train from the pipeline.</p> : (
        <table className="runs">
          <thead>
            <tr><th aria-label="Select" /><th>Started</th><th>Run</th><th>What</th><th>Where</th><th>Status</th><th>Model</th><th>Rows</th><th>Coverage</th><th>Gold accuracy</th><th>Gold macro F1</th><th>Took</th><th>Read</th></tr>
          </thead>
          <tbody>
            {shown.map((run) => {
              const d = describe(run);
              const failure = runError(run);
              return (
                <tr key={run.run_id}>
                  <td>{comparable(run) && <input type="checkbox" aria-label={`Select run ${short(run.run_id)}`} checked={picked.includes(run.run_id)} onChange={() => toggle(run.run_id)} />}</td>
                  <td>{when(run.created_at)}</td>
                  <td>{run.kind === 'train' && run.status === 'SUCCESS'
                    ? <a href={resultsPath(cId, run.run_id)} onClick={(e) => { e.preventDefault(); navigate(resultsPath(cId, run.run_id)); }}>{short(run.run_id)}</a>
                    : <code>{short(run.run_id)}</code>}</td>
                  <td>{d.what}</td>
                  <td>{d.where}</td>
                  <td title={failure?.message}>{run.status}{failure?.code ? ` (${failure.code})` : ''}</td>
                  <td>{d.model}</td>
                  <td>{d.rows?.toLocaleString('en-US') ?? '—'}</td>
                  <td>{percent(d.coverage)}</td>
                  <td>{percent(d.dev?.accuracy)}</td>
                  <td>{percent(d.dev?.f1_macro)}</td>
                  <td>{duration(run)}</td>
                  <td className="muted">{d.reads}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {comparison && (
        <section aria-label="Comparison">
          <h2>Run {short(comparison.a)} → run {short(comparison.b)}</h2>
          <p><strong>{comparison.flipped.count.toLocaleString('en-US')}</strong> of {comparison.flipped.compared.toLocaleString('en-US')} labels flipped.</p>
          <table className="runs">
            <thead><tr><th>Metric</th><th>Run {short(comparison.a)}</th><th>Run {short(comparison.b)}</th><th>Change</th></tr></thead>
            <tbody>
              {Object.entries(comparison.metrics).map(([name, m]) => (
                <tr key={name}><td>{name}</td><td>{metric(m.a)}</td><td>{metric(m.b)}</td><td>{m.diff === null ? '—' : `${m.diff > 0 ? '+' : ''}${metric(m.diff)}`}</td></tr>
              ))}
            </tbody>
          </table>
          {comparison.flipped.samples.length > 0 && (
            <>
              <h3>Flipped samples{comparison.flipped.count > comparison.flipped.samples.length ? ` (first ${comparison.flipped.samples.length})` : ''}</h3>
              <table className="runs">
                <thead><tr><th>Sample</th><th>Run {short(comparison.a)}</th><th>Run {short(comparison.b)}</th></tr></thead>
                <tbody>
                  {comparison.flipped.samples.map((s) => (
                    <tr key={String(s.sample_id)}><td>{String(s.sample_id)}</td><td>{className(s.a)}</td><td>{className(s.b)}</td></tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
    </main>
  );
}
