// A finished run's results as the server computes them over every row (GET …/summary and …/rows): label counts,
// the confidence histogram, the label model against the gold labels (accuracy, macro F1, confusion matrix), each
// LF's learned accuracy beside its empirical one, and the rows themselves with their columns, filters and paging.
// Browser runs kept on the server show the same page, so a reload shows the same numbers.
import { useEffect, useState } from 'react';
import type { ResultRows, ResultsSummary, RowFilter } from '../../../shared/schema/results.ts';
import { resultRows, resultsSummary } from '../api/training.ts';
import { ConfidenceHistogram } from './ConfidenceHistogram.tsx';
import { LabelDistribution } from './LabelDistribution.tsx';

const PAGE = 50;
const LOW_CONFIDENCE = 0.7;
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const count = (n: number) => n.toLocaleString('en-US');

/** `votesKept`: the run's LF votes are on the server (a server run), so its labels can be set against majority vote. */
export function RunResults({ cId, jobId, values, softmax, votesKept }: { cId: string; jobId: string; values: string[]; softmax: boolean; votesKept: boolean }) {
  const [summary, setSummary] = useState<ResultsSummary>();
  const [filter, setFilter] = useState<RowFilter>('all');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<ResultRows>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    resultsSummary(cId, jobId).then(setSummary, (e: unknown) => setError((e as Error).message));
  }, [cId, jobId]);
  useEffect(() => {
    resultRows(cId, jobId, { filter, threshold: LOW_CONFIDENCE, offset, limit: PAGE })
      .then(setPage, (e: unknown) => setError((e as Error).message));
  }, [cId, jobId, filter, offset]);

  if (error) return <p role="alert" className="error">{error}</p>;
  if (!summary) return <p className="muted">Summarizing every row…</p>;
  const k = values.length;
  const labelled = summary.rows - summary.abstained;
  return (
    <>
      <div className="cards">
        <LabelDistribution classes={values} counts={{ perClass: summary.label_counts.slice(0, k), ties: summary.abstained - (summary.uncovered ?? 0), uncovered: summary.uncovered ?? undefined }} />
        {summary.histogram && (
          <ConfidenceHistogram counts={summary.histogram.counts}
            rowsNote={`all ${count(labelled)} labelled rows · confidence from ${summary.histogram.lo.toFixed(2)} (left) to 1.0 (right)`} />
        )}
        <GoldCard gold={summary.gold} values={values} />
      </div>
      <section aria-label="Labeling functions">
        <h3>Labeling functions</h3>
        <div className="table-scroll">
          <table>
            <thead><tr><th>LF</th><th>Coverage</th><th>Overlaps</th><th>Conflicts</th><th title="On the gold labels it voted on">Empirical accuracy</th><th title="The label model's estimate (Snorkel's get_weights)">Learned accuracy</th></tr></thead>
            <tbody>{summary.lfs.map((lf) => (
              <tr key={lf.name}><td>{lf.name}</td><td>{pct(lf.coverage)}</td><td>{pct(lf.overlaps)}</td><td>{pct(lf.conflicts)}</td><td>{pct(lf.empirical_accuracy)}</td><td>{pct(lf.learned_accuracy)}</td></tr>
            ))}</tbody>
          </table>
        </div>
        {summary.lfs.every((lf) => lf.learned_accuracy === null) && <p className="muted">Learned accuracies come from a Snorkel label model; this run fitted another.</p>}
      </section>
      <section aria-label="Samples">
        <h3>Samples</h3>
        <div className="notebook-toolbar">
          <label>Show{' '}
            <select value={filter} onChange={(e) => { setFilter(e.target.value as RowFilter); setOffset(0); }} aria-label="Filter rows">
              <option value="all">All rows</option>
              {softmax && <option value="low_confidence">Low confidence (below {LOW_CONFIDENCE})</option>}
              <option value="contradicts_gold">Prediction contradicts a gold label</option>
              {votesKept && <option value="disagrees_with_majority_vote">Label model and majority vote disagree</option>}
            </select>
          </label>
          {page && <span className="muted" data-testid="rows-shown">{page.total === 0 ? 'No rows' : `Rows ${count(page.offset + 1)}–${count(page.offset + page.rows.length)} of ${count(page.total)}`}</span>}
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <button type="button" disabled={!page || offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
        </div>
        {page && (
          <div className="table-scroll tall">
            <table>
              <thead><tr>{page.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
              <tbody>{page.rows.map((row, i) => (
                <tr key={page.offset + i}>{page.columns.map((c) => <td key={c}>{cell(row[c], c, values)}</td>)}</tr>
              ))}</tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function cell(value: unknown, column: string, values: string[]): string {
  if (value === null || value === undefined) return '';
  if ((column === 'predicted_label' || column === 'gold_label' || column === 'majority_vote') && typeof value === 'number') return value < 0 ? '-1 (no label)' : `${value} (${values[value] ?? '?'})`;
  if (typeof value === 'number' && (column === 'confidence' || column.startsWith('prob_class_'))) return value.toFixed(4);
  return String(value);
}

function GoldCard({ gold, values }: { gold: ResultsSummary['gold']; values: string[] }) {
  if (!gold) {
    return (
      <section aria-label="Gold labels">
        <h3>Against gold labels</h3>
        <p className="muted">No gold label matches a row of this run: label samples in the notebook's sample browser to measure the label model.</p>
      </section>
    );
  }
  return (
    <section aria-label="Gold labels">
      <h3>Against gold labels</h3>
      <p><b data-testid="gold-accuracy">Accuracy {pct(gold.accuracy)}</b> · <b>macro F1 {pct(gold.f1_macro)}</b> · {count(gold.rows)} gold rows</p>
      <table className="confusion" aria-label="Confusion matrix">
        <thead><tr><th>gold ↓ / predicted →</th>{values.map((v) => <th key={v}>{v}</th>)}<th>no label</th></tr></thead>
        <tbody>{gold.confusion.map((row, g) => (
          <tr key={g}><th>{values[g]}</th>{row.map((n, p) => <td key={p} className={p === g ? 'diagonal' : undefined}>{count(n)}</td>)}</tr>
        ))}</tbody>
      </table>
      <p className="muted">These gold rows were training rows too: the label model saw their votes, so this is not a held-out estimate.</p>
    </section>
  );
}
