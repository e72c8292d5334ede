// Code and git: what is indexed per project and language (and when), then per repository the files
// that change most, by commits and authors, as a chart and a table.
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { qs } from '../api';
import { ChartView, Empty, ErrorNote, Panel, Picker } from '../components';
import { clusterColor, shortDate } from '../format';
import { useApi } from '../hooks';
import type { CodeOverview, Hotspot } from '../types';

const CHURN_DAYS = [30, 90, 365, 3650];

function Indexed({ data }: { data: CodeOverview }) {
  if (data.indexed.length === 0) return <Empty>Nothing indexed yet: run <code>calm code index DIR --project NAME</code>.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted" style={{ textAlign: 'left' }}>{data.totals.total_units} units in {data.totals.total_files} files</caption>
        <thead><tr><th>project</th><th>language</th><th class="num">files</th><th class="num">units</th><th>last indexed</th></tr></thead>
        <tbody>
          {data.indexed.map((r) => (
            <tr key={`${r.project}/${r.language}`}>
              <td>{r.project}</td><td>{r.language}</td><td class="num">{r.files}</td><td class="num">{r.units}</td><td>{shortDate(r.last_indexed_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One stacked bar per file: its commits in the period, split by author (the churn answer counts them). */
function churnConfig(hotspots: Hotspot[]): ChartConfiguration {
  const names = [...new Set(hotspots.flatMap((h) => h.author_commits.map((a) => a.author)))];
  return {
    type: 'bar',
    data: {
      labels: hotspots.map((h) => h.path),
      datasets: names.map((name, i) => ({
        label: name,
        data: hotspots.map((h) => h.author_commits.find((a) => a.author === name)?.commit_count ?? 0),
        backgroundColor: clusterColor(i),
      })),
    },
    options: {
      indexAxis: 'y',
      scales: { x: { stacked: true, title: { display: true, text: 'commits' }, ticks: { precision: 0 } }, y: { stacked: true } },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

/** `Ada (75%), Bob (25%)`: each author's share of the file's commits in the period. */
const authorShares = (h: Hotspot): string =>
  h.author_commits.map((a) => `${a.author} (${Math.round((a.commit_count / h.commit_count) * 1000) / 10}%)`).join(', ');

function Churn({ repo }: { repo: string }) {
  const [days, setDays] = useState(90);
  const { data, error, loading } = useApi<{ hotspots: Hotspot[]; days: number }>(`/api/git/churn${qs({ repo_path: repo, days, limit: 15 })}`);
  const config = useMemo(() => (data && data.hotspots.length ? churnConfig(data.hotspots) : undefined), [data]);
  return (
    <div class="stack">
      <label class="field" style={{ maxWidth: '220px' }}>
        Period
        <select value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {CHURN_DAYS.map((d) => <option key={d} value={String(d)}>last {d} days</option>)}
        </select>
      </label>
      <ErrorNote message={error} />
      {loading && !data ? <p class="muted">Reading git history…</p> : null}
      {data && data.hotspots.length === 0 ? <Empty>No file changed in the last {data.days} days.</Empty> : null}
      {config && data ? (
        <>
          <ChartView config={config} label={`Commits per file by author over the last ${data.days} days`} height={Math.max(160, 40 + data.hotspots.length * 28)} />
          <div class="table-wrap">
            <table>
              <thead><tr><th>file</th><th class="num">commits</th><th class="num">+/−</th><th>authors</th><th>last change</th></tr></thead>
              <tbody>
                {data.hotspots.map((h) => (
                  <tr key={h.path}>
                    <td><code>{h.path}</code></td>
                    <td class="num">{h.commit_count}</td>
                    <td class="num">+{h.total_insertions} −{h.total_deletions}</td>
                    <td>{authorShares(h)}</td>
                    <td>{shortDate(h.last_changed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}

export function CodeView() {
  const { data, error } = useApi<CodeOverview>('/api/code');
  const [repo, setRepo] = useState<string>();
  const chosen = repo ?? data?.repositories[0]?.repo_path;
  return (
    <>
      <h1 class="view-title">Code and git</h1>
      <ErrorNote message={error} />
      <Panel title="Indexed code" id="code-indexed">{data ? <Indexed data={data} /> : error ? null : <p class="muted">Loading…</p>}</Panel>
      <Panel
        title="Git churn and authors"
        id="git-churn"
        actions={
          data && data.repositories.length > 1 ? (
            <Picker label="Repository" value={chosen} onChange={setRepo} options={data.repositories.map((r) => ({ value: r.repo_path, text: r.repo_path }))} />
          ) : undefined
        }
      >
        {data && data.repositories.length === 0 ? <Empty>No git history indexed: run <code>calm git index</code> in a repository.</Empty> : null}
        {data && chosen ? (
          <div class="stack">
            {data.repositories.filter((r) => r.repo_path === chosen).map((r) => (
              <dl class="facts" key={r.repo_path}>
                <dt>Repository</dt><dd><code>{r.repo_path}</code></dd>
                <dt>Commits indexed</dt><dd>{r.commit_count}</dd>
                <dt>Last indexed</dt><dd>{shortDate(r.last_indexed_at)}{r.last_indexed_sha ? ` at ${r.last_indexed_sha.slice(0, 10)}` : ''}</dd>
              </dl>
            ))}
            <Churn key={chosen} repo={chosen} />
          </div>
        ) : null}
      </Panel>
    </>
  );
}
