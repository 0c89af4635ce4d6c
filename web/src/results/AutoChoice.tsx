// How `auto` chose its label model: each candidate's accuracy on the gold labels and how often it beat the
// reference on bootstrap resamples of them (shared/labelmodel/auto.ts), so the analyst sees why this model.
import { WIN_RATE_NEEDED, type CandidateSummary } from '../../../shared/labelmodel/auto.ts';

export function describeCandidate(c: Pick<CandidateSummary, 'model' | 'params'>): string {
  const balance = Array.isArray(c.params.classBalance) ? 'gold class balance' : 'uniform class balance';
  if (c.model === 'snorkel') return `Snorkel, ${String(c.params.nEpochs)} epochs, l2 ${String(c.params.l2)}, ${balance}`;
  if (c.model === 'fs') return `FlyingSquid triplets, ${balance}`;
  return c.model === 'ds' ? 'Dawid–Skene' : 'majority vote';
}

const percent = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

export function AutoChoice({ candidates }: { candidates: CandidateSummary[] | undefined }) {
  const chosen = candidates?.find((c) => c.chosen);
  if (!candidates || !chosen) return null;
  const why = chosen.reference
    ? `no other candidate beat it on ${percent(WIN_RATE_NEEDED)} of resamples of the gold labels`
    : `it beat the reference on ${percent(chosen.win_rate)} of resamples of the gold labels, and scored best of those that passed ${percent(WIN_RATE_NEEDED)}`;
  return (
    <details className="auto-choice" data-testid="auto-choice">
      <summary>auto chose {describeCandidate(chosen)}: {why}</summary>
      <table>
        <thead><tr><th>candidate</th><th>accuracy on the gold labels</th><th>beats the reference on</th></tr></thead>
        <tbody>
          {candidates.map((c, i) => (
            <tr key={i} className={c.chosen ? 'chosen' : undefined}>
              <td>{describeCandidate(c)}{c.reference ? ' (reference)' : ''}{c.chosen ? ' ✓' : ''}</td>
              <td>{percent(c.score)}</td>
              <td>{c.reference ? '—' : `${percent(c.win_rate)} of resamples`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
