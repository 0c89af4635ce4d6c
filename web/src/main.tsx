import '@xyflow/react/dist/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { takeTokenFromUrl } from './api/session.ts';
import { parseRoute } from './routes.ts';
import { dataWorker } from './studio/workers.ts';
import './styles.css';

takeTokenFromUrl();
// A concept's studio loads its assets in the data worker: started now, the worker's script loads and runs while the
// page mounts and reads the pipeline, instead of after, when the load asks for it.
if (parseRoute(location.pathname).page === 'concept') dataWorker();
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
