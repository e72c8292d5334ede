// Backups and health: every backup with its size and checksum state, verify, create and restore (after
// a confirmation, then naming the safety backup taken first); the embedder, counts and the doctor's checks.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Badge, Dialog, Empty, ErrorNote, Panel } from '../components';
import { bytes, shortDate } from '../format';
import { useApi } from '../hooks';
import type { Backup, Doctor, RestoreResult, Status, VerifyReport } from '../types';

type Checked = { ok: boolean; text: string };

/** The checksum state: what this page's Verify just found, else the last verification the server recorded. */
function checksumState(b: Backup, verified: Checked | undefined): { tone: 'ok' | 'bad' | 'plain'; text: string } {
  if (verified) return { tone: verified.ok ? 'ok' : 'bad', text: verified.text };
  if (b.damaged) return { tone: 'bad', text: `damaged: ${b.damaged}` };
  const v = b.last_verified;
  if (!v) return { tone: 'plain', text: 'not verified' };
  return v.ok
    ? { tone: 'ok', text: `checksums matched (${shortDate(v.verified_at)})` }
    : { tone: 'bad', text: `${v.problems} problem(s) found (${shortDate(v.verified_at)})` };
}

function Backups() {
  const { data, error, reload } = useApi<{ backups: Backup[] }>('/api/backups');
  const [verified, setVerified] = useState<Record<string, Checked>>({});
  const [busy, setBusy] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [name, setName] = useState('');
  const [restoring, setRestoring] = useState<Backup>();

  const verify = async (b: Backup) => {
    setBusy(`verify:${b.name}`);
    setActionError(undefined);
    try {
      const r = await api<VerifyReport>(`/api/backups/${encodeURIComponent(b.name)}/verify`, { method: 'POST', body: {} });
      const text = r.ok ? `checksums match (${r.files} files)` : `${r.problems.length} problem(s): ${r.problems.map((p) => `${p.file ?? ''} ${p.problem ?? p.message ?? ''}`.trim()).join('; ')}`;
      setVerified((v) => ({ ...v, [b.name]: { ok: r.ok, text } }));
      setNotice(`Backup ${b.name}: ${r.ok ? 'verified, ' : 'FAILED verification, '}${text}.`);
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    setBusy('create');
    setActionError(undefined);
    try {
      const r = await api<{ name: string }>('/api/backups', { method: 'POST', body: name.trim() ? { name: name.trim() } : {} });
      setNotice(`Created backup ${r.name}.`);
      setName('');
      reload();
    } catch (err) {
      setActionError((err as Error).message);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Panel title="Backups" id="backups">
      <form class="filters" onSubmit={create} style={{ marginBottom: '10px' }}>
        <label class="field">
          New backup name (optional)
          <input name="backup-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <div class="panel-actions"><button type="submit" class="primary" disabled={busy === 'create'}>{busy === 'create' ? 'Creating…' : 'Create backup'}</button></div>
      </form>
      <div aria-live="polite">{notice ? <p class="note ok">{notice}</p> : null}</div>
      <ErrorNote message={error ?? actionError} />
      {data && data.backups.length === 0 ? <Empty>No backups yet.</Empty> : null}
      {data?.backups.length ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th>name</th><th>created</th><th class="num">size</th><th class="num">records</th><th>checksums</th><th>actions</th></tr></thead>
            <tbody>
              {data.backups.map((b) => {
                const state = checksumState(b, verified[b.name]);
                return (
                  <tr key={b.name} data-backup={b.name}>
                    <td><code>{b.name}</code> {b.kind === 'auto' ? <Badge>auto</Badge> : null} {b.partial ? <Badge tone="warn">partial</Badge> : null}</td>
                    <td>{shortDate(b.created_at)}</td>
                    <td class="num">{bytes(b.size)}</td>
                    <td class="num">{b.records}</td>
                    <td><Badge tone={state.tone}>{state.text}</Badge></td>
                    <td>
                      <div class="panel-actions">
                        <button type="button" class="small" onClick={() => verify(b)} disabled={busy !== undefined} aria-label={`Verify ${b.name}`}>
                          {busy === `verify:${b.name}` ? 'Verifying…' : 'Verify'}
                        </button>
                        <button type="button" class="small danger" onClick={() => setRestoring(b)} disabled={busy !== undefined} aria-label={`Restore ${b.name}`}>Restore</button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <RestoreDialog
        backup={restoring}
        onClose={() => setRestoring(undefined)}
        onRestored={(r) => {
          setRestoring(undefined);
          setNotice(
            `Restored ${r.name} (${r.records} records).${r.safety_backup ? ` The state before it is kept as backup ${r.safety_backup}.` : ''}` +
              (r.daemon_pid ? ' Restart the server (calm server restart) so it reloads everything.' : ''),
          );
          reload();
        }}
      />
    </Panel>
  );
}

function RestoreDialog({ backup, onClose, onRestored }: { backup: Backup | undefined; onClose: () => void; onRestored: (r: RestoreResult) => void }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const restore = async (e: Event) => {
    e.preventDefault();
    if (!backup) return;
    setBusy(true);
    setError(undefined);
    try {
      onRestored(await api<RestoreResult>(`/api/backups/${encodeURIComponent(backup.name)}/restore`, { method: 'POST', body: { confirm: typed } }));
      setTyped('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={backup !== undefined} title={`Restore backup ${backup?.name ?? ''}?`} onClose={() => { setTyped(''); onClose(); }}>
      <form class="stack" onSubmit={restore}>
        <p>This replaces everything calm holds now with the backup's contents. A safety backup of the current state is taken first.</p>
        <label class="field">
          Type the backup's name to confirm
          <input name="confirm" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
        </label>
        <ErrorNote message={error} />
        <div class="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="danger primary" disabled={busy || typed !== backup?.name}>{busy ? 'Restoring…' : 'Restore'}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Doctor checks; the passing ones fold away so a problem stands out. */
function Checks({ checks }: { checks: Doctor['checks'] }) {
  if (checks.length === 0) return null;
  return (
    <ul class="plain" style={{ listStyle: 'none', padding: 0 }}>
      {checks.map((c) => (
        <li key={c.name} style={{ marginBottom: '4px' }}>
          <Badge tone={c.status === 'ok' ? 'ok' : c.status === 'warn' ? 'warn' : 'bad'}>{c.status}</Badge> <strong>{c.name}</strong>{' '}
          <span class="muted">{c.detail}</span>
          {c.fix ? <div><code>{c.fix}</code></div> : null}
        </li>
      ))}
    </ul>
  );
}

function Health() {
  const status = useApi<Status>('/api/status');
  const doctor = useApi<Doctor>('/api/doctor');
  const s = status.data;
  return (
    <div class="grid2">
      <Panel title="Status" id="status">
        <ErrorNote message={status.error} />
        {s ? (
          <div class="stack">
            <dl class="facts">
              <dt>Version</dt><dd>{s.version}</dd>
              <dt>Home</dt><dd><code>{s.home}</code></dd>
              <dt>Backend</dt><dd>{s.backend}</dd>
              <dt>Embedder</dt><dd>{s.embedder.id} <span class="muted">({s.embedder.setting}, from {s.embedder.source})</span></dd>
              {s.database ? <><dt>Database</dt><dd>{bytes(s.database.sizeBytes)}, schema {s.database.schemaVersion}</dd></> : null}
            </dl>
            <div class="table-wrap">
              <table>
                <thead><tr><th>collection</th><th class="num">records</th><th>embedder</th></tr></thead>
                <tbody>{s.collections.map((c) => <tr key={c.name}><td>{c.name}</td><td class="num">{c.count}</td><td>{c.embedder} · {c.dim}-d</td></tr>)}</tbody>
              </table>
            </div>
          </div>
        ) : status.error ? null : <p class="muted">Loading…</p>}
      </Panel>
      <Panel title="Doctor" id="doctor" actions={<button type="button" class="small" onClick={doctor.reload}>Run again</button>}>
        <ErrorNote message={doctor.error} />
        {doctor.data ? (
          <div class="stack">
            <p class={`note ${doctor.data.healthy ? 'ok' : 'error'}`}>{doctor.data.healthy ? 'Healthy: every check passed.' : 'Problems found: see the failed checks.'}</p>
            <Checks checks={doctor.data.checks.filter((c) => c.status !== 'ok')} />
            <details>
              <summary>{doctor.data.checks.filter((c) => c.status === 'ok').length} checks passed</summary>
              <Checks checks={doctor.data.checks.filter((c) => c.status === 'ok')} />
            </details>
          </div>
        ) : doctor.error ? null : <p class="muted">Running checks…</p>}
      </Panel>
    </div>
  );
}

export function BackupsView() {
  return (
    <>
      <h1 class="view-title">Backups and health</h1>
      <Backups />
      <Health />
    </>
  );
}
