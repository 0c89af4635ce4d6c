import { useEffect, useState, type FormEvent } from 'react';
import type { Concept } from '../../shared/schema/concept.ts';
import { api, ApiRequestError, getToken, setToken } from './api/client.ts';

function SignIn({ onSignedIn, error }: { onSignedIn: () => void; error?: string }) {
  const [token, setTokenText] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setToken(token.trim());
    onSignedIn();
  };
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>Reef</h1>
      <p>Paste the API token that <code>npm start</code> printed.</p>
      <input aria-label="API token" value={token} onChange={(e) => setTokenText(e.target.value)} placeholder="reef_…" />
      <button type="submit" disabled={!token.trim()}>Sign in</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

export function App() {
  const [concepts, setConcepts] = useState<Concept[] | null>(null);
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!getToken()) return;
    api<Concept[]>('GET', '/api/concepts').then(setConcepts, (e: unknown) => {
      if (e instanceof ApiRequestError && e.status === 401) setToken(null);
      setError(e instanceof Error ? e.message : String(e));
    });
  }, [attempt]);

  if (!getToken()) return <SignIn error={error} onSignedIn={() => { setError(undefined); setAttempt((n) => n + 1); }} />;
  return (
    <main className="home">
      <header><h1>Reef</h1></header>
      {error && <p role="alert" className="error">{error}</p>}
      <h2>Concepts</h2>
      {concepts === null ? <p>Loading…</p> : concepts.length === 0 ? <p>No concepts yet.</p> : (
        <ul>{concepts.map((c) => <li key={c.c_id}><strong>{c.name}</strong> — {c.values.join(' / ')}</li>)}</ul>
      )}
    </main>
  );
}
