import { useEffect, useState, type FormEvent } from 'react';
import type { Concept } from '../../shared/schema/concept.ts';
import { createConcept, listConcepts } from './api/concepts.ts';
import { ApiRequestError } from './api/request.ts';
import { getToken, setToken } from './api/session.ts';
import { navigate, usePathname } from './navigation.ts';
import { ConceptPage } from './pages/ConceptPage.tsx';
import { RunHistoryPage } from './pages/RunHistoryPage.tsx';
import { ResultsPage } from './results/ResultsPage.tsx';
import { conceptPath, parseRoute } from './routes.ts';

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

/** A concept is what is labeled and its classes, in order: a vote is the position of its class. */
function NewConceptForm() {
  const [name, setName] = useState('');
  const [classes, setClasses] = useState('');
  const [error, setError] = useState<string>();
  const values = classes.split(',').map((c) => c.trim()).filter(Boolean);
  const create = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    createConcept({ name: name.trim(), values })
      .then((c) => navigate(conceptPath(c.c_id)), (err: Error) => setError(err.message));
  };
  return (
    <form className="new-concept" onSubmit={create} aria-label="New concept">
      <h2>New concept</h2>
      <label>Concept name <input aria-label="Concept name" value={name} onChange={(e) => setName(e.target.value)} placeholder="comment-spam" required /></label>
      <label>Classes <input aria-label="Classes" value={classes} onChange={(e) => setClasses(e.target.value)} placeholder="HAM, SPAM" required /></label>
      <p className="muted">Comma-separated, in order: an LF votes a class by its position (the first is 0).{values.length > 0 ? ` ${values.map((v, i) => `${i} = ${v}`).join(', ')}.` : ''}</p>
      <button type="submit" className="primary" disabled={!name.trim() || values.length < 2}>Create concept</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

function ConceptList({ concepts }: { concepts: Concept[] }) {
  return (
    <main className="home">
      <header><h1>Reef</h1></header>
      <NewConceptForm />
      <h2>Concepts</h2>
      {concepts.length === 0 ? <p>No concepts yet.</p> : (
        <ul className="concepts">
          {concepts.map((c) => (
            <li key={c.c_id}>
              <a href={conceptPath(c.c_id)} onClick={(e) => { e.preventDefault(); navigate(conceptPath(c.c_id)); }}><strong>{c.name}</strong></a>
              {' '}— {c.values.join(' / ')}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

export function App() {
  const pathname = usePathname();
  const [concepts, setConcepts] = useState<Concept[] | null>(null);
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!getToken()) return;
    listConcepts().then((list) => {
      setConcepts(list);
      // The first screen is the demo's pipeline: with a single concept, open it directly.
      if (window.location.pathname === '/' && list.length === 1) navigate(conceptPath(list[0]!.c_id));
    }, (e: unknown) => {
      if (e instanceof ApiRequestError && e.status === 401) setToken(null);
      setError(e instanceof Error ? e.message : String(e));
    });
  }, [attempt]);

  if (!getToken()) return <SignIn error={error} onSignedIn={() => { setError(undefined); setAttempt((n) => n + 1); }} />;
  if (error) return <main className="home"><p role="alert" className="error">{error}</p></main>;
  const route = parseRoute(pathname);
  switch (route.page) {
    case 'concept': return <ConceptPage key={route.cId} cId={route.cId} />;
    case 'results': return <ResultsPage cId={route.cId} jobId={route.jobId} />;
    case 'runs': return <RunHistoryPage cId={route.cId} />;
    case 'home': return concepts === null ? <main className="home"><p>Loading…</p></main> : <ConceptList concepts={concepts} />;
    case 'not-found': return <main className="home"><p>Nothing at {route.path}. <a href="/">Back to the concepts</a></p></main>;
  }
}
