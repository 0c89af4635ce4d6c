import '@xyflow/react/dist/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { takeTokenFromUrl } from './api/session.ts';
import './styles.css';

takeTokenFromUrl();
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
