// Tasks: the orchestration board of one project, a column per phase, each task with its next gate,
// the gates it passed, its reviews and its workers. Read only: transitions stay in the CLI and MCP tools.
import { useState } from 'preact/hooks';
import { qs } from '../api';
import { Badge, Empty, ErrorNote, Panel, Picker } from '../components';
import { shortDate } from '../format';
import { useApi } from '../hooks';
import type { Board, Task } from '../types';

const REVIEW_TONE: Record<string, 'ok' | 'bad' | 'warn'> = { approved: 'ok', changes_requested: 'warn', rejected: 'bad' };

function TaskCard({ task }: { task: Task }) {
  return (
    <article class="card" aria-labelledby={`task-${task.id}`}>
      <h4 id={`task-${task.id}`}>{task.id} <span class="muted">· {task.task_type}</span></h4>
      <p style={{ margin: '0 0 6px' }}>{task.title}</p>
      {task.specialist ? <p class="muted" style={{ margin: 0 }}>specialist: {task.specialist}</p> : null}
      {task.blocked_by.length ? <p style={{ margin: 0 }}><Badge tone="warn">blocked by {task.blocked_by.join(', ')}</Badge></p> : null}
      {task.next_gate ? (
        <div>
          <strong>Next gate</strong> {task.next_gate.transition}
          <ul class="plain">{task.next_gate.checks.map((c) => <li key={c.name}>{c.description}</li>)}</ul>
        </div>
      ) : null}
      {task.gate_passes.length ? (
        <div>
          <strong>Gates passed</strong>
          <ul class="plain">{task.gate_passes.map((g, i) => <li key={i}><Badge tone="ok">{g.transition}</Badge> {g.commit_sha?.slice(0, 8)} {shortDate(g.passed_at)}</li>)}</ul>
        </div>
      ) : null}
      <div>
        <strong>Reviews</strong>
        {task.reviews.length ? (
          <ul class="plain">
            {task.reviews.map((r) => (
              <li key={r.id}>{r.review_type}: <Badge tone={REVIEW_TONE[r.result] ?? 'plain'}>{r.result}</Badge>{r.worker_id ? ` by ${r.worker_id}` : ''}</li>
            ))}
          </ul>
        ) : <span class="muted"> none</span>}
      </div>
      <div>
        <strong>Workers</strong>
        {task.workers.length ? (
          <ul class="plain">
            {task.workers.map((w) => <li key={w.id}>{w.id} {w.role ? `(${w.role})` : ''} <Badge tone={w.status === 'active' ? 'info' : 'plain'}>{w.status}</Badge></li>)}
          </ul>
        ) : <span class="muted"> none</span>}
      </div>
    </article>
  );
}

function BoardView({ project }: { project: string }) {
  const { data, error } = useApi<Board>(`/api/tasks${qs({ project })}`);
  if (error) return <ErrorNote message={error} />;
  if (!data) return <p class="muted">Loading…</p>;
  if (data.tasks.length === 0) return <Empty>No tasks in this project.</Empty>;
  const types = Object.keys(data.phases).filter((type) => data.tasks.some((t) => t.task_type === type));
  return (
    <>
      {types.map((type) => (
        <section key={type} aria-label={`${type} board`} class="stack">
          <h3 style={{ margin: '4px 0' }}>{type === 'bug' ? 'Bugs' : 'Features'}</h3>
          <div class="board">
            {data.phases[type]!.map((phase) => {
              const tasks = data.tasks.filter((t) => t.task_type === type && t.phase === phase);
              return (
                <section class="column" key={phase} aria-label={`${phase}: ${tasks.length} task(s)`}>
                  <h3><span>{phase}</span><span class="muted">{tasks.length}</span></h3>
                  {tasks.map((t) => <TaskCard key={t.id} task={t} />)}
                </section>
              );
            })}
          </div>
        </section>
      ))}
    </>
  );
}

export function TasksView() {
  const { data, error } = useApi<{ projects: { project_path: string; tasks: number; active_tasks: number }[] }>('/api/tasks/projects');
  const [project, setProject] = useState<string>();
  const chosen = project ?? data?.projects[0]?.project_path;
  return (
    <>
      <h1 class="view-title">Tasks</h1>
      <ErrorNote message={error} />
      <Panel
        title="Board"
        id="board"
        actions={
          data && data.projects.length > 0 ? (
            <Picker
              label="Project"
              value={chosen}
              onChange={setProject}
              options={data.projects.map((p) => ({ value: p.project_path, text: `${p.project_path} (${p.active_tasks} active)` }))}
            />
          ) : undefined
        }
      >
        {data && data.projects.length === 0 ? <Empty>No project has tasks: orchestration is opt-in (<code>calm task create</code>).</Empty> : null}
        {chosen ? <BoardView key={chosen} project={chosen} /> : null}
      </Panel>
    </>
  );
}
