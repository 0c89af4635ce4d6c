// The results page (/concepts/{c_id}/snorkel/jobs/{job_id}, where the seed navigates after training): label
// distribution, confidence histogram, LF weights, the sample table, and downloads as Parquet and CSV.
import { useEffect, useState } from 'react';
import { getConcept } from '../api/concepts.ts';
import { downloadFromApi } from '../api/download.ts';
import { labelModelOnnxPath } from '../api/runs.ts';
import type { SampleRow } from '../analysis/lf-session.ts';
import { navigate } from '../navigation.ts';
import { conceptPath } from '../routes.ts';
import { dataWorker, trainWorker } from '../studio/workers.ts';
import { findResult, type TrainedResult } from '../training/results-store.ts';
import { RESULT_HEAD_ROWS } from '../workers/studio-data-protocol.ts';
import { AutoChoice } from './AutoChoice.tsx';
import { ConfidenceHistogram } from './ConfidenceHistogram.tsx';
import { LabelDistribution } from './LabelDistribution.tsx';
import { runOnServer } from './run-on-server.ts';
import { RunResults } from './RunResults.tsx';
import { ServerJobView } from './ServerJobView.tsx';

/** The rows of the table of a result the server did not keep: the ones the page has (the data worker holds all). */
const TABLE_ROWS = RESULT_HEAD_ROWS;

function download(name: string, body: BlobPart, type: string) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** What was asked for and what ran: "auto → snorkel, 500 epochs". */
function describeModel(result: { model: string; requestedModel?: string; params: Record<string, unknown> }): string {
  const epochs = typeof result.params.nEpochs === 'number' ? `, ${result.params.nEpochs} epochs` : '';
  return `${result.requestedModel && result.requestedModel !== result.model ? `${result.requestedModel} → ` : ''}${result.model}${epochs}`;
}

export function ResultsPage({ cId, jobId }: { cId: string; jobId: string }) {
  const result = findResult(jobId);
  const [rows, setRows] = useState<SampleRow[]>([]);
  const [serverMessage, setServerMessage] = useState<string>();
  const [values, setValues] = useState<string[]>([]);
  useEffect(() => {
    if (!result) getConcept(cId).then((c) => setValues(c.values), () => undefined);
  }, [cId, result]);

  // Only a result the server did not keep shows its rows from this tab; a kept one reads them from the API.
  useEffect(() => {
    if (!result?.notKept) return;
    dataWorker().rows(Array.from({ length: Math.min(TABLE_ROWS, result.n) }, (_, i) => i)).then(setRows, () => undefined);
  }, [result]);

  const back = <a href={conceptPath(cId)} onClick={(e) => { e.preventDefault(); navigate(conceptPath(cId)); }}>← Back to the pipeline</a>;
  if (!result) {
    // Not in this tab's memory (a reload, or another tab): a run the API keeps (its id is a UUID, whether trained by
    // the server or in a browser), or a browser result the server did not keep, from a tab that is gone.
    return (
      <main className="page results">
        {back}
        <h1>Training results</h1>
        {/^[0-9a-f-]{36}$/i.test(jobId) ? <ServerJobView cId={cId} jobId={jobId} values={values} />
          : <p>This result was not kept on the server and is not in this tab any more. Train again, or use <b>Run on server</b>.</p>}
      </main>
    );
  }
  const downloadCsv = async () => {
    try {
      download(`reef-${jobId}.csv`, await trainWorker().resultCsv(result.parquet), 'text/csv');
    } catch (e) {
      setServerMessage((e as Error).message);
    }
  };

  return (
    <main className="page results">
      {back}
      <h1>Training results</h1>
      <p className="muted">{result.n.toLocaleString('en-US')} samples · model {describeModel(result)} · {result.output === 'softmax' ? 'Softmax (Probabilities)' : 'Hard Labels'} · {result.lfNames.length} LFs · fitted in {result.ms.toFixed(0)} ms</p>
      <AutoChoice candidates={result.candidates} />
      {result.warning && <p role="alert" className="error" data-testid="labels-warning">{result.warning}</p>}
      <div className="notebook-toolbar">
        <button type="button" onClick={() => download(`reef-${jobId}.parquet`, result.parquet, result.parquet.type)}>Download Parquet</button>
        <button type="button" onClick={() => void downloadCsv()}>Download CSV</button>
        {!result.notKept && (
          <button type="button" onClick={() => downloadFromApi(labelModelOnnxPath(result.jobId), `reef-${jobId}-label-model.onnx`).catch((e: unknown) => setServerMessage((e as Error).message))}>
            Export label model (ONNX)
          </button>
        )}
        <button type="button" onClick={() => void runOnServer(cId, result.serverRequest).then(setServerMessage)}>Run on server</button>
        {serverMessage && <span className="muted">{serverMessage}</span>}
      </div>
      {result.notKept
        ? <p role="alert" className="error" data-testid="result-not-kept">Not kept on the server: {result.notKept}. This result lives in this tab only.</p>
        : <p className="muted" data-testid="result-kept">Kept on the server as run {result.jobId}: this page and its downloads survive a reload.</p>}
      {result.notKept ? <InMemoryResults result={result} rows={rows} /> : <RunResults cId={cId} jobId={result.jobId} values={result.values} softmax={result.output === 'softmax'} votesKept={false} />}
    </main>
  );
}

/** A browser result the server did not keep: what this tab holds (its first rows and its own counts). */
function InMemoryResults({ result, rows }: { result: TrainedResult; rows: SampleRow[] }) {
  const { distribution: dist, histogram: hist } = result;
  const { preds, probs, nVotes, confidence } = result.head;
  // The histogram (from the train worker) leaves out no-vote rows: they all get the model's prior.
  const noVoteRows = dist[result.k + 1]!;
  // The table shows the first rows only: their keys come with their sample fields, the rest from the result's arrays.
  const probColumns = result.output === 'softmax' ? Array.from({ length: result.k }, (_, c) => `prob_class_${c}`) : [];
  const columns = [result.keyColumn, 'predicted_label', ...probColumns, ...(result.output === 'softmax' ? ['confidence'] : []), 'n_votes'];
  return (
    <>
      <div className="cards">
        <LabelDistribution classes={result.values} counts={{ perClass: dist.slice(0, result.k), ties: dist[result.k]!, uncovered: noVoteRows }} />
        {result.output === 'softmax' && (
          <ConfidenceHistogram counts={hist}
            rowsNote={`confidence from ${(1 / result.k).toFixed(2)} (left) to 1.0 (right)${noVoteRows > 0 ? `, over the ${(result.n - noVoteRows).toLocaleString('en-US')} rows some LF voted on` : ''}`} />
        )}
        {result.weights && (
          <section aria-label="LF weights">
            <h3>LF weights learned</h3>
            <div className="bars">
              {result.weights.map((w, j) => <div className="bar" key={j}><span>{result.lfNames[j]}</span><div><span style={{ width: `${w * 100}%` }} /></div><span>{w.toFixed(3)}</span></div>)}
            </div>
          </section>
        )}
      </div>
      <h3>Samples</h3>
      <div className="table-scroll">
        <table>
          <thead><tr>{columns.map((c) => <th key={c}>{c}</th>)}<th>sample</th></tr></thead>
          <tbody>
            {Array.from({ length: Math.min(TABLE_ROWS, result.n) }, (_, i) => {
              const p = preds[i]!;
              const label = p === -1 ? '— (tie)' : `${p} (${result.values[p]})`;
              return (
                <tr key={i}>
                  <td>{rows[i]?.key ?? ''}</td>
                  <td>{nVotes[i] === 0 ? <span className="muted" title="No LF voted on this row: predicted_label -1; the probabilities are the model's class prior">— (no votes)</span> : label}</td>
                  {probColumns.map((name, c) => <td key={name}>{probs[i * result.k + c]!.toFixed(4)}</td>)}
                  {result.output === 'softmax' && <td>{confidence[i]!.toFixed(4)}</td>}
                  <td>{nVotes[i]}</td>
                  <td>{rows[i] ? Object.entries(rows[i]!.fields).filter(([k]) => k !== result.keyColumn).map(([, v]) => v).join(' · ') : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
