// The load generator of bench:api, in a process of its own so that the clients' work never runs on the event loop
// that answers them: autocannon keeps CLIENTS connections busy, one request each at a time, until told to stop.
import autocannon from 'autocannon';

export interface LoadRequest { url: string; token: string; connections: number }
export interface LoadResult { requests: number; seconds: number; p50: number; p99: number; max: number; errors: number }

if (process.send) {
  const { url, token, connections } = JSON.parse(process.argv[2]!) as LoadRequest;
  const run = autocannon({ url, connections, duration: 3600, headers: { Authorization: `Bearer ${token}` } }, (error, result) => {
    if (error) throw error;
    const answer: LoadResult = {
      requests: result.requests.total, seconds: result.duration,
      p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max,
      errors: result.errors + result.timeouts + result.non2xx,
    };
    // This process exists only to load the server: once its figures are delivered it ends, without waiting for
    // autocannon's stopped connections to be closed by the server (the parent awaits the message, not the exit).
    process.send!(answer, () => process.exit(0));
  });
  process.once('message', () => run.stop());
}
