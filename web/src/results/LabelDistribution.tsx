// The label distribution of a result, drawn the same way for a result in this tab and for a run read back from the
// API (after a reload), so both pages show the same counts: rows per class, then the rows labeled -1, split into
// ties and rows no LF voted on (shared/labelmodel/result-labels.ts counts both).

export interface LabelCounts {
  /** Rows per class, in the concept's class order. */
  perClass: number[];
  /** Rows labeled -1 with votes (a tie); with `uncovered` absent (a run from before n_votes), every row labeled -1. */
  ties: number;
  /** Rows no LF voted on; undefined for a run from before results had n_votes. */
  uncovered: number | undefined;
}

export function LabelDistribution({ classes, counts }: { classes: string[]; counts: LabelCounts }) {
  const bars: { id: string; label: string; count: number }[] = [
    ...counts.perClass.map((count, y) => ({ id: `class-${y}`, label: classes[y] ?? String(y), count })),
    ...(counts.uncovered === undefined
      ? [{ id: 'unlabeled', label: 'unlabeled (-1)', count: counts.ties }]
      : [{ id: 'ties', label: 'unlabeled (tie)', count: counts.ties }, { id: 'no-votes', label: 'no votes', count: counts.uncovered }]),
  ];
  const max = Math.max(1, ...bars.map((bar) => bar.count));
  return (
    <section aria-label="Label distribution">
      <h3>Label distribution</h3>
      <div className="bars">
        {bars.map(({ id, label, count }) => (
          <div className="bar" key={id} data-testid="label-count">
            <span>{label}</span><div><span style={{ width: `${(count / max) * 100}%` }} /></div><span>{count.toLocaleString('en-US')}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
