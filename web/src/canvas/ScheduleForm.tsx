// Scheduled training from the Train node: the pipeline's server request, re-run on a cron schedule (and, if asked,
// whenever one of its assets is re-materialized), through POST …/snorkel/schedules. Lists and removes the concept's
// schedules too, so what runs unattended is visible where the training is set up.
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { listSchedules, removeSchedule, saveSchedule, type TrainSchedule } from '../api/training.ts';
import { usePipeline } from './pipeline-context.ts';

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const when = (iso: string, tz: string) => new Date(iso).toLocaleString('en-US', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' });

export function ScheduleForm({ nodeId, onClose }: { nodeId: string; onClose: () => void }) {
  const { cId, serverRequest } = usePipeline();
  const [schedules, setSchedules] = useState<TrainSchedule[] | null>(null);
  const [name, setName] = useState('nightly');
  const [cron, setCron] = useState('0 3 * * *');
  const [tz, setTz] = useState(localZone);
  const [onMaterialize, setOnMaterialize] = useState(false);
  const [message, setMessage] = useState<{ error?: string; saved?: string }>({});
  const refresh = () => listSchedules(cId).then(setSchedules, (e: unknown) => setMessage({ error: (e as Error).message }));
  useEffect(() => { void refresh(); }, [cId]); // eslint-disable-line react-hooks/exhaustive-deps

  const save = async () => {
    const planned = serverRequest(nodeId);
    if ('problem' in planned) return setMessage({ error: planned.problem });
    try {
      const saved = await saveSchedule(cId, { name, cron, tz, on_materialize: onMaterialize, run: planned.request });
      setMessage({ saved: `Scheduled "${saved.name}": next ${saved.next_runs.slice(0, 1).map((r) => when(r, saved.tz)).join('')} (${saved.tz})` });
      await refresh();
    } catch (e) {
      setMessage({ error: (e as Error).message });
    }
  };
  const remove = async (s: TrainSchedule) => {
    await removeSchedule(cId, s.name).catch((e: unknown) => setMessage({ error: (e as Error).message }));
    await refresh();
  };

  // A dialog over the page, portalled out of the canvas (a node's transform would move a fixed backdrop with it).
  return createPortal(
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside the dialog closes it; its Close button is the keyboard path
    <div className="dialog-backdrop" role="presentation" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
    <section className="dialog schedule-form" role="dialog" aria-label="Training schedule">
      <h2>Schedule training</h2>
      <p className="muted">Trains this pipeline on the server with its active LFs, unattended.</p>
      <label>Name <input value={name} onChange={(e) => setName(e.target.value)} /></label>
      <label title="Five cron fields: minute hour day-of-month month day-of-week">Cron <input value={cron} onChange={(e) => setCron(e.target.value)} /></label>
      <label>Time zone <input value={tz} onChange={(e) => setTz(e.target.value)} /></label>
      <label><input type="checkbox" checked={onMaterialize} onChange={(e) => setOnMaterialize(e.target.checked)} /> Also when an index or rule is re-materialized</label>
      <div className="row">
        <button type="button" className="primary" onClick={() => void save()}>Save schedule</button>
        <button type="button" onClick={onClose}>Close</button>
      </div>
      {message.error && <p role="alert" className="error">{message.error}</p>}
      {message.saved && <p role="status" className="muted">{message.saved}</p>}
      {schedules && schedules.length > 0 && (
        <ul className="schedules">
          {schedules.map((s) => (
            <li key={s.name}>
              <b>{s.name}</b> <code>{s.cron}</code> {s.tz}{s.on_materialize ? ' · on materialize' : ''} · next {s.next_runs[0] ? when(s.next_runs[0], s.tz) : '—'}
              <button type="button" onClick={() => void remove(s)} aria-label={`Remove schedule ${s.name}`}>✕</button>
            </li>
          ))}
        </ul>
      )}
      {schedules?.length === 0 && <p className="muted">No schedule yet: this pipeline trains only when you press Train Model.</p>}
    </section>
    </div>,
    document.body,
  );
}
