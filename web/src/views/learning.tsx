// Learning: the active GHAP, resolved entries with their history, each axis's clusters as a 2-D
// projection (coloured by cluster, noise grey crosses) and the values with the experiences behind them.
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { VALID_AXES } from '../../../src/services/ghap/model';
import { api } from '../api';
import { Badge, ChartView, Empty, ErrorNote, Panel, Picker } from '../components';
import { clusterColor, shortDate } from '../format';
import { useApi } from '../hooks';
import type { GhapEntry, Projection, ValueItem } from '../types';


function Plan({ entry }: { entry: GhapEntry }) {
  return (
    <dl class="facts">
      <dt>Goal</dt><dd>{entry.goal}</dd>
      <dt>Hypothesis</dt><dd>{entry.hypothesis}</dd>
      <dt>Action</dt><dd>{entry.action}</dd>
      <dt>Prediction</dt><dd>{entry.prediction}</dd>
    </dl>
  );
}

function History({ entry }: { entry: GhapEntry }) {
  if (!entry.history?.length && !entry.notes?.length) return <p class="muted">No earlier iterations.</p>;
  return (
    <>
      {entry.history?.length ? (
        <ol class="history" aria-label="Earlier iterations">
          {entry.history.map((h, i) => (
            <li key={i}>
              <span class="muted">{shortDate(h.timestamp)}</span> H: {h.hypothesis} · A: {h.action} · P: {h.prediction}
            </li>
          ))}
        </ol>
      ) : null}
      {entry.notes?.length ? (
        <ul class="plain" aria-label="Notes">
          {entry.notes.map((n, i) => <li key={i}><span class="muted">{shortDate(n.created_at)}</span> {n.note}</li>)}
        </ul>
      ) : null}
    </>
  );
}

function ActiveGhap() {
  const { data, error } = useApi<{ active: GhapEntry | null }>('/api/ghap/active');
  return (
    <Panel title="Active GHAP" id="ghap-active">
      <ErrorNote message={error} />
      {data?.active ? (
        <div class="stack">
          <p>
            <Badge tone="info">{data.active.domain}</Badge> <Badge>{data.active.strategy}</Badge>{' '}
            <span class="muted">iteration {data.active.iteration_count}, started {shortDate(data.active.created_at)}</span>
          </p>
          <Plan entry={data.active} />
          <History entry={data.active} />
        </div>
      ) : data ? <Empty>No GHAP is active.</Empty> : null}
    </Panel>
  );
}

const OUTCOME_TONE: Record<string, 'ok' | 'bad' | 'warn'> = { confirmed: 'ok', falsified: 'bad', abandoned: 'warn' };

function ResolvedEntry({ summary }: { summary: GhapEntry }) {
  const [entry, setEntry] = useState<GhapEntry>();
  const [error, setError] = useState<string>();
  const load = (e: Event) => {
    if ((e.currentTarget as HTMLDetailsElement).open && !entry) api<GhapEntry>(`/api/ghap/${encodeURIComponent(summary.id)}`).then(setEntry, (err: Error) => setError(err.message));
  };
  const outcome = summary.outcome_status ?? entry?.outcome?.status ?? '';
  return (
    <li class="card">
      <details onToggle={load}>
        <summary>
          <Badge tone={OUTCOME_TONE[outcome] ?? 'plain'}>{outcome || 'resolved'}</Badge> {summary.domain} · {summary.strategy}
          {summary.confidence_tier ? ` · ${summary.confidence_tier}` : ''} <span class="muted">{shortDate(summary.captured_at ?? summary.created_at)}</span>
        </summary>
        <ErrorNote message={error} />
        {entry ? (
          <div class="stack">
            <Plan entry={entry} />
            <dl class="facts">
              {entry.result ?? entry.outcome?.result ? <><dt>Result</dt><dd>{entry.result ?? entry.outcome?.result}</dd></> : null}
              {entry.surprise ? <><dt>Surprise</dt><dd>{entry.surprise}</dd></> : null}
              {entry.root_cause ? <><dt>Root cause</dt><dd>{entry.root_cause.category}: {entry.root_cause.description}</dd></> : null}
              {entry.lesson ? <><dt>Lesson</dt><dd>{entry.lesson.what_worked}{entry.lesson.takeaway ? ` — ${entry.lesson.takeaway}` : ''}</dd></> : null}
            </dl>
            <History entry={entry} />
          </div>
        ) : error ? null : <p class="muted">Loading…</p>}
      </details>
    </li>
  );
}

function ResolvedEntries() {
  const { data, error } = useApi<{ results: GhapEntry[] }>('/api/ghap?limit=100');
  return (
    <Panel title={`Resolved entries${data ? ` (${data.results.length})` : ''}`} id="ghap-resolved">
      <ErrorNote message={error} />
      {data && data.results.length === 0 ? <Empty>No resolved GHAP entries yet.</Empty> : null}
      {data?.results.length ? <ul class="plain resolved" style={{ listStyle: 'none', padding: 0, maxHeight: '420px', overflow: 'auto' }}>{data.results.map((r) => <ResolvedEntry key={r.id} summary={r} />)}</ul> : null}
    </Panel>
  );
}

function scatterConfig(p: Extract<Projection, { enough: true }>): ChartConfiguration {
  const groups = new Map<number, typeof p.points>();
  for (const pt of p.points) groups.set(pt.label, [...(groups.get(pt.label) ?? []), pt]);
  const labels = [...groups.keys()].sort((a, b) => (a < 0 ? 1 : b < 0 ? -1 : a - b));
  return {
    type: 'scatter',
    data: {
      datasets: labels.map((label) => ({
        label: label < 0 ? `noise (${groups.get(label)!.length})` : `${p.axis}_${label} (${groups.get(label)!.length})`,
        data: groups.get(label)!.map((pt) => ({ x: pt.x, y: pt.y, text: pt.text })),
        backgroundColor: clusterColor(label),
        borderColor: clusterColor(label),
        pointStyle: label < 0 ? 'crossRot' : 'circle',
        pointRadius: label < 0 ? 6 : 5,
        borderWidth: label < 0 ? 2 : 1,
      })),
    },
    options: {
      scales: { x: { title: { display: true, text: 'component 1' } }, y: { title: { display: true, text: 'component 2' } } },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (ctx) => ((ctx.raw as { text: string }).text ?? '').split('\n')[0]!.slice(0, 90) } },
      },
    },
  };
}

function Clusters() {
  const [axis, setAxis] = useState<string>('full');
  const { data, error, loading } = useApi<Projection>(`/api/clusters/${axis}/projection`);
  const config = useMemo(() => (data?.enough ? scatterConfig(data) : undefined), [data]);
  return (
    <Panel
      title="Clusters"
      id="clusters"
      actions={
        <Picker label="Axis" value={axis} onChange={setAxis} options={VALID_AXES.map((a) => ({ value: a, text: a }))} />
      }
    >
      <ErrorNote message={error} />
      {loading && !data ? <p class="muted">Clustering…</p> : null}
      {data && !data.enough ? <Empty>{data.message}</Empty> : null}
      {data?.enough && config ? (
        <div class="stack">
          <p class="muted">
            {data.experiences} experiences on the {data.axis} axis: {data.clusters.length} cluster(s), {data.noise_count} noise (grey crosses).
            {data.sampled ? ' An even sample is drawn.' : ''} Two principal components of the vectors.
          </p>
          <ChartView config={config} label={`Scatter plot of ${data.points.length} experiences on the ${data.axis} axis in ${data.clusters.length} clusters`} />
          <div class="table-wrap">
            <table>
              <thead><tr><th>cluster</th><th class="num">size</th></tr></thead>
              <tbody>
                {data.clusters.map((c) => (
                  <tr key={c.cluster_id}>
                    <td><span aria-hidden="true" style={{ color: clusterColor(c.label) }}>●</span> {c.cluster_id}</td>
                    <td class="num">{c.size}</td>
                  </tr>
                ))}
                <tr><td><span aria-hidden="true">✕</span> noise</td><td class="num">{data.noise_count}</td></tr>
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </Panel>
  );
}

/** The experiences the value was validated on, as the values list carries them (no request when it opens). */
function Evidence({ value }: { value: ValueItem }) {
  const total = value.member_count ?? value.member_ids.length;
  return (
    <details>
      <summary>Evidence: {total} experiences in {value.cluster_id}</summary>
      {value.evidence.length === 0 && total > 0 ? <p class="muted">The experiences behind this value are no longer stored.</p> : null}
      {value.evidence.length > 0 ? <ul class="plain evidence">{value.evidence.map((m) => <li key={m.id}>{m.text}</li>)}</ul> : null}
      {value.evidence.length < total ? <p class="muted">Showing {value.evidence.length} of {total}, closest to the cluster's centre first.</p> : null}
    </details>
  );
}

function Values() {
  const { data, error } = useApi<{ results: ValueItem[] }>('/api/values?limit=100');
  return (
    <Panel title="Values" id="values">
      <ErrorNote message={error} />
      {data && data.results.length === 0 ? <Empty>No values yet: validate one from a cluster with <code>calm learn validate</code>.</Empty> : null}
      {data?.results.length ? (
        <ul class="plain" style={{ listStyle: 'none', padding: 0 }}>
          {data.results.map((v) => (
            <li key={v.id} class="card">
              <p style={{ margin: '0 0 4px' }}><strong>{v.text}</strong></p>
              <p class="muted" style={{ margin: '0 0 4px' }}>
                {v.axis} · {v.cluster_id} · validated {shortDate(v.validated_at)}
                {v.distance_to_centroid !== undefined ? ` · distance to centroid ${v.distance_to_centroid.toFixed(3)}` : ''}
              </p>
              <Evidence value={v} />
            </li>
          ))}
        </ul>
      ) : null}
    </Panel>
  );
}

export function LearningView() {
  return (
    <>
      <h1 class="view-title">Learning</h1>
      <div class="grid2">
        <ActiveGhap />
        <Values />
      </div>
      <Clusters />
      <ResolvedEntries />
    </>
  );
}
