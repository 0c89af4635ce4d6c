export function ResultsPage({ jobId }: { cId: string; jobId: string }) {
  return <main className="page"><h1>Results {jobId}</h1></main>;
}
