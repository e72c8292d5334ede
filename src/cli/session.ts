import type { Command } from 'commander';
import type { JournalEntry, JournalEntrySummary } from '../services/orchestration/journal.js';
import type { Session } from '../services/orchestration/sessions.js';
import { projectDir, shortTime, withOrchestration } from './orchestration-context.js';
import { print, table } from './output.js';
import { readStdin } from './stdin.js';

const renderSession = (s: Session, title = 'Session'): string =>
  [
    `${title}: ${s.id}`,
    `Created: ${s.created_at}`,
    ...(title === 'Session' ? [`Needs continuation: ${s.needs_continuation ? 'True' : 'False'}`] : []),
    ...(s.resumed_at ? [`Resumed: ${s.resumed_at}`] : []),
    '',
    '--- Handoff Content ---',
    s.content,
  ].join('\n');

function renderJournalList(entries: JournalEntrySummary[]): string {
  if (entries.length === 0) return 'No journal entries found.';
  const flat = (s: string): string => s.replace(/\s+/g, ' ').trim();
  return table(
    entries.map((e) => ({
      ...e,
      created: e.created_at.slice(0, 19),
      project: e.project_name ?? '(none)',
      summary: `${flat(e.summary).length > 43 ? `${flat(e.summary).slice(0, 40)}...` : flat(e.summary)}${e.reflected_at ? '' : ' [unreflected]'}`,
    })),
    ['id', 'created', 'project', 'summary'],
    ['ID', 'Created', 'Project', 'Summary'],
  );
}

function renderJournalEntry(e: JournalEntry): string {
  const lines = [
    `ID: ${e.id}`,
    `Created: ${e.created_at}`,
    `Project: ${e.project_name ?? '(none)'}`,
    `Working Directory: ${e.working_directory}`,
    `Reflected: ${e.reflected_at ?? 'No'}`,
    `Memories Created: ${e.memories_created}`,
    '',
    '--- Summary ---',
    e.summary,
  ];
  if (e.friction_points.length) lines.push('', '--- Friction Points ---', ...e.friction_points.map((f) => `- ${f}`));
  if (e.next_steps.length) lines.push('', '--- Next Steps ---', ...e.next_steps.map((f) => `- ${f}`));
  if (e.session_log !== undefined) lines.push('', '--- Session Log ---', e.session_log);
  return lines.join('\n');
}

export function registerSession(program: Command): void {
  const session = program.command('session').description('Session handoffs between sessions, and the session journal');

  session
    .command('save')
    .description('Save a handoff for the next session, read from stdin')
    .option('--continue', 'mark it for continuation (shown by `calm session pending`)')
    .option('--json', 'print the session as JSON')
    .action(async (opts: { continue?: boolean; json?: boolean }) => {
      const content = await readStdin('Enter handoff content (Ctrl+D to finish):');
      await withOrchestration((o) => {
        const s = o.sessions.save(content, opts.continue);
        print(s, opts, (x) => [`Saved session: ${x.id}`, ...(x.needs_continuation ? ['Marked for continuation'] : [])].join('\n'));
      });
    });

  session
    .command('list')
    .description('List saved sessions, newest first')
    .option('--limit <n>', 'how many', '10')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; json?: boolean }) => {
      await withOrchestration((o) => {
        const sessions = o.sessions.list(Number(opts.limit));
        print(sessions, opts, (ss) =>
          ss.length === 0
            ? 'No sessions found.'
            : table(
                ss.map((s) => ({ id: s.id, created: shortTime(s.created_at), cont: s.needs_continuation ? 'Yes' : 'No', resumed: s.resumed_at ? shortTime(s.resumed_at) : 'No' })),
                ['id', 'created', 'cont', 'resumed'],
                ['ID', 'Created (UTC)', 'Continue', 'Resumed'],
              ),
        );
      });
    });

  session
    .command('show')
    .description('Show a saved session')
    .argument('<session-id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withOrchestration((o) => print(o.sessions.get(id), opts, (s) => renderSession(s)));
    });

  session
    .command('pending')
    .description('Show the newest handoff waiting for continuation (does not mark it resumed)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOrchestration((o) => print(o.sessions.pending(), opts, (s) => (s ? renderSession(s, 'Pending Session') : 'No pending handoff.')));
    });

  session
    .command('resume')
    .description('Mark a session as resumed')
    .argument('<session-id>')
    .action(async (id: string) => {
      await withOrchestration((o) => {
        o.sessions.resume(id);
        process.stdout.write(`Marked session ${id} as resumed\n`);
      });
    });

  session
    .command('next-commands')
    .description("The current project's active tasks and the gate each one needs next")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const { nextPhases } = await import('../services/orchestration/phases.js');
        const tasks = o.tasks.list(await o.projects.detect(projectDir())).map((t) => {
          const next = nextPhases(t.task_type, t.phase)[0];
          return { ...t, next_phase: next ?? null, next_command: next ? `calm gate check ${t.id} ${t.phase}-${next}` : null };
        });
        print(tasks, opts, (ts) =>
          ts.length === 0
            ? 'No active tasks.'
            : [
                '## Next Commands',
                '',
                ...ts.flatMap((t) => [
                  `### ${t.id}: ${t.title}`,
                  `- Phase: ${t.phase}`,
                  `- Type: ${t.task_type}`,
                  ...(t.worktree_path ? [`- Worktree: ${t.worktree_path}`] : []),
                  ...(t.next_command ? [`- Next: \`${t.next_command}\`, then \`calm task transition ${t.id} ${t.next_phase}\``] : []),
                  '',
                ]),
              ].join('\n'),
        );
      });
    });

  const journal = session.command('journal').description('Session journal entries (written by the store_journal_entry MCP tool)');

  journal
    .command('list')
    .description('List journal entries, newest first')
    .option('--unreflected', 'only entries not yet reflected on')
    .option('--project <name>', 'only this project name')
    .option('--limit <n>', 'how many (1-200)', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { unreflected?: boolean; project?: string; limit: string; json?: boolean }) => {
      await withOrchestration((o) => {
        const r = o.journal.list({ unreflected_only: opts.unreflected, project_name: opts.project, limit: Number(opts.limit) });
        print(r, opts, (x) => renderJournalList(x.entries));
      });
    });

  journal
    .command('show')
    .description('Show a journal entry in full')
    .argument('<entry-id>')
    .option('--log', 'include the session log')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { log?: boolean; json?: boolean }) => {
      await withOrchestration((o) => print(o.journal.get({ entry_id: id, include_log: opts.log }), opts, renderJournalEntry));
    });
}
