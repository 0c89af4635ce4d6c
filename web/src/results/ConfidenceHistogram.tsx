// The confidence histogram of a result, drawn the same way for a result in this tab and for a run the server
// summarizes: equal bins from 1/k (left) to 1.0 (right), each bar's title its row count.

export function ConfidenceHistogram({ counts, rowsNote }: { counts: number[]; rowsNote: string }) {
  const max = Math.max(1, ...counts);
  return (
    <section aria-label="Confidence histogram">
      <h3>Confidence histogram</h3>
      <div className="histogram" data-testid="confidence-histogram">
        {counts.map((n, b) => <span key={b} title={`${n.toLocaleString('en-US')} rows`} style={{ height: `${(n / max) * 100}%` }} />)}
      </div>
      <p className="muted">{rowsNote}</p>
    </section>
  );
}
