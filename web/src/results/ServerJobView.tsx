// A training job the API keeps, run on the server or trained in a browser and kept (same page address as a
// browser result in memory): its progress from the run's events, then what was trained, the downloads, and the
// results the server summarizes over every row (RunResults).
import { useEffect, useState } from 'react';
import { downloadFromApi } from '../api/download.ts';
import { followRun, labelModelOnnxPath, type RunProgress } from '../api/runs.ts';
import { getTrainJob, resultsCsvPath, type TrainJob } from '../api/training.ts';
import type { CandidateSummary } from '../../../shared/labelmodel/auto.ts';
import { AutoChoice } from './AutoChoice.tsx';
import { RunResults } from './RunResults.tsx';
import { runOnServer } from './run-on-server.ts';

/** What this page reads of a job's metrics (edge-api/training/train-metrics.ts TrainMetrics writes them). */
interface JobMetrics { fit?: { model?: string; params?: { nEpochs?: number }; metric?: string; candidates?: CandidateSummary[] }; warnings?: string[] }
const metricsOf = (job: TrainJob) => job.metrics as JobMetrics | undefined;
const errorMessageOf = (job: TrainJob) => (job.error as { message?: string } | null)?.message;

const FINISHED: TrainJob['status'][] = ['SUCCESS', 'FAILURE', 'CANCELED'];

/** What was asked for and what ran: "auto → snorkel, 500 epochs" (metric auto chose on). */
function modelOf(job: TrainJob): string {
  const requested = job.request.model;
  const fit = metricsOf(job)?.fit;
  const ran = fit?.model ?? requested ?? '?';
  const epochs = typeof fit?.params?.nEpochs === 'number' ? `, ${fit.params.nEpochs} epochs` : '';
  const chose = requested && requested !== ran ? `${requested} → ` : '';
  return `${chose}${ran}${epochs}${requested === 'auto' && fit?.metric ? ` (chosen on ${fit.metric.replace('_', ' ')})` : ''}`;
}

export function ServerJobView({ cId, jobId, values }: { cId: string; jobId: string; values: string[] }) {
  const [job, setJob] = useState<TrainJob | null>(null);
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [error, setError] = useState<string>();
  const [downloadError, setDownloadError] = useState<string>();
  const [serverMessage, setServerMessage] = useState<string>();
  const save = (url: string, name: string) => {
    setDownloadError(undefined);
    downloadFromApi(url, name).catch((e: unknown) => setDownloadError((e as Error).message));
  };

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      let current = await getTrainJob(cId, jobId);
      setJob(current);
      if (!FINISHED.includes(current.status)) {
        await followRun(current.run_id, setProgress, controller.signal);
        current = await getTrainJob(cId, jobId);
        setJob(current);
      }
    })().catch((e: unknown) => { if (!controller.signal.aborted) setError((e as Error).message); });
    return () => controller.abort();
  }, [cId, jobId]);

  if (error) return <p role="alert" className="error">{error}</p>;
  if (!job) return <p>Loading the server job…</p>;
  if (!FINISHED.includes(job.status)) {
    return (
      <div>
        <p>Server run {job.status.toLowerCase()}{progress?.rowsDone ? ` · ${progress.rowsDone.toLocaleString('en-US')} rows` : ''}…</p>
        <progress max={1} value={progress?.fraction} aria-label="Server training progress" />
      </div>
    );
  }
  if (job.status !== 'SUCCESS') return <p role="alert" className="error">The server run ended {job.status}: {errorMessageOf(job) ?? 'no message'}</p>;
  const softmax = job.output_type === 'softmax';
  return (
    <>
      <p className="muted">{job.source === 'browser' ? 'Browser run' : 'Server run'} · {job.summary?.total_samples.toLocaleString('en-US')} samples · model {modelOf(job)}{job.summary?.avg_confidence != null ? ` · mean confidence ${job.summary.avg_confidence.toFixed(3)}` : ''}</p>
      <AutoChoice candidates={metricsOf(job)?.fit?.candidates} />
      {(metricsOf(job)?.warnings ?? []).map((w) => <p key={w} role="alert" className="error" data-testid="labels-warning">{w}</p>)}
      <div className="notebook-toolbar">
        <button type="button" onClick={() => save(resultsCsvPath(cId, job.job_id), `reef-${jobId}.csv`)}>Download CSV</button>
        {(job.results ?? []).map((r) => (
          <button key={r.part} type="button" onClick={() => save(r.url, `reef-${jobId}-part-${r.part}.parquet`)}>Download Parquet (part {r.part}, {r.rows.toLocaleString('en-US')} rows)</button>
        ))}
        {/* A run keeps its fitted label model; onnxruntime anywhere reproduces these probabilities from the votes. */}
        <button type="button" onClick={() => save(labelModelOnnxPath(job.run_id), `reef-${jobId}-label-model.onnx`)}>Export label model (ONNX)</button>
        {/* A browser run's request trains the same pipeline (pinned anew) on the server. */}
        {job.source === 'browser' && <button type="button" onClick={() => void runOnServer(cId, job.request).then(setServerMessage)}>Run on server</button>}
        {serverMessage && <span className="muted">{serverMessage}</span>}
        {downloadError && <span role="alert" className="error">{downloadError}</span>}
      </div>
      <RunResults cId={cId} jobId={job.job_id} values={values} softmax={softmax} votesKept={job.source === 'server'} />
    </>
  );
}
