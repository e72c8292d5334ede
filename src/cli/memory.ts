import type { Command } from 'commander';
import type { MemoryWithHistory } from '../services/memory.js';
import { withApp } from './app-context.js';
import { confirm } from './confirm.js';
import { listOption, numberOption, wholeNumberOption } from './options.js';
import { print, table } from './output.js';
import { readStdin } from './stdin.js';

const CATEGORIES = 'preference, fact, event, workflow, context, error, decision';

const oneLine = (text: string, max = 70): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};

function renderMemory(m: MemoryWithHistory): string {
  const lines = [
    `ID:         ${m.id}`,
    `Category:   ${m.category}`,
    `Importance: ${m.importance}`,
    `Tags:       ${m.tags.length ? m.tags.join(', ') : '(none)'}`,
    `Created:    ${m.created_at}`,
    `Project:    ${m.project ?? '(global)'}`,
    ...(m.updated_at ? [`Updated:    ${m.updated_at}`] : []),
    '',
    m.content,
  ];
  if (m.history.length > 0) {
    lines.push('', `History (${m.history.length} earlier version${m.history.length === 1 ? '' : 's'}, newest first):`);
    for (const h of [...m.history].reverse()) {
      lines.push(`- until ${h.replaced_at}: [${h.category}, ${h.importance}${h.tags.length ? `, ${h.tags.join(', ')}` : ''}] ${oneLine(h.content)}`);
    }
  }
  return lines.join('\n');
}

export function registerMemory(program: Command): void {
  const memory = program.command('memory').description('Store, search, list, show and delete memories');

  memory
    .command('store')
    .description('Store a memory (CONTENT "-" reads it from stdin)')
    .argument('<content>', 'the text to remember, or - for stdin')
    .requiredOption('-c, --category <category>', `one of: ${CATEGORIES}`)
    .option('-i, --importance <0-1>', 'importance from 0.0 to 1.0 (default 0.5)', numberOption)
    .option('-t, --tags <tags>', 'comma-separated tags (repeatable)', listOption)
    .option('--allow-duplicate', 'store even if a near-identical memory exists in this project')
    .option('--global', 'keep the memory out of any project, so every project sees it')
    .option('--json', 'print the result as JSON')
    .action(async (content: string, opts: { category: string; importance?: number; tags?: string[]; allowDuplicate?: boolean; global?: boolean; json?: boolean }) => {
      // a piped text usually ends with one newline that is not part of the memory
      const text = content === '-' ? (await readStdin()).replace(/\n$/, '') : content;
      await withApp(async (app) => {
        const stored = await app.memory.store({
          content: text, category: opts.category, importance: opts.importance, tags: opts.tags, allow_duplicate: opts.allowDuplicate, global: opts.global,
        });
        print(stored, opts, (s) =>
          s.status === 'duplicate'
            ? `Not stored: memory ${s.id} already says this (similarity ${s.similarity}); --allow-duplicate stores a copy`
            : `Stored memory ${s.id} (${s.category}, importance ${s.importance})`,
        );
      });
    });

  memory
    .command('search')
    .description('Search memories (semantic, keyword or hybrid)')
    .argument('<query>', 'what to look for')
    .option('-m, --mode <mode>', 'semantic, keyword or hybrid', 'semantic')
    .option('-l, --limit <n>', 'maximum results (1-100)', wholeNumberOption, 10)
    .option('-c, --category <category>', 'only this category')
    .option('--min-importance <0-1>', 'only memories at least this important', numberOption)
    .option('--since <date>', 'only memories created at or after this ISO-8601 date or date-time')
    .option('--until <date>', 'only memories created at or before this ISO-8601 date (whole day) or date-time')
    .option('--scope <scope>', "all (this project's and global memories first) or project (only those)", 'all')
    .option('--json', 'print the results as JSON')
    .action(async (query: string, opts: { mode: string; limit: number; category?: string; minImportance?: number; since?: string; until?: string; scope: string; json?: boolean }) => {
      await withApp(async (app) => {
        const found = await app.memory.retrieve({
          query, search_mode: opts.mode, limit: opts.limit, category: opts.category, min_importance: opts.minImportance,
          since: opts.since, until: opts.until, scope: opts.scope,
        });
        print(found, opts, (f) =>
          f.count === 0
            ? 'No memories found.'
            : table(
                f.results.map((r) => ({ ...r, score: r.score.toFixed(3), content: oneLine(r.content) })),
                ['score', 'id', 'category', 'content'],
                ['Score', 'ID', 'Category', 'Content'],
              ),
        );
      });
    });

  memory
    .command('list')
    .description('List memories, newest first')
    .option('-c, --category <category>', 'only this category')
    .option('-t, --tags <tags>', 'only memories with any of these tags (comma-separated)', listOption)
    .option('-l, --limit <n>', 'rows per page (1-200)', wholeNumberOption, 50)
    .option('-o, --offset <n>', 'rows to skip', wholeNumberOption, 0)
    .option('--cursor <cursor>', 'continue after the page that printed this cursor (instead of --offset)')
    .option('--since <date>', 'only memories created at or after this ISO-8601 date or date-time')
    .option('--until <date>', 'only memories created at or before this ISO-8601 date (whole day) or date-time')
    .option('--json', 'print the page as JSON')
    .action(async (opts: { category?: string; tags?: string[]; limit: number; offset: number; cursor?: string; since?: string; until?: string; json?: boolean }) => {
      await withApp(async (app) => {
        const page = await app.memory.list(opts);
        print(page, opts, (p) =>
          p.total === 0
            ? 'No memories found.'
            : [
                table(p.results, ['id', 'category', 'importance', 'tags', 'created_at'], ['ID', 'Category', 'Importance', 'Tags', 'Created']),
                '',
                `${p.count} of ${p.total}${opts.cursor === undefined ? ` (offset ${opts.offset})` : ''}`,
                ...(p.next_cursor ? [`next page: --cursor ${p.next_cursor}`] : []),
              ].join('\n'),
        );
      });
    });

  memory
    .command('show')
    .description('Show one memory in full')
    .argument('<id>', 'memory id')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApp(async (app) => print(await app.memory.get(id), opts, renderMemory));
    });

  memory
    .command('update')
    .description('Correct a memory in place (the earlier version is kept in its history)')
    .argument('<id>', 'memory id')
    .option('--content <text>', 'new content, or - for stdin')
    .option('-c, --category <category>', `new category, one of: ${CATEGORIES}`)
    .option('-i, --importance <0-1>', 'new importance from 0.0 to 1.0', numberOption)
    .option('-t, --tags <tags>', 'new comma-separated tags, replacing the old ones ("" clears them)', listOption)
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { content?: string; category?: string; importance?: number; tags?: string[]; json?: boolean }) => {
      const content = opts.content === '-' ? (await readStdin()).replace(/\n$/, '') : opts.content;
      await withApp(async (app) => {
        const result = await app.memory.update(id, { content, category: opts.category, importance: opts.importance, tags: opts.tags });
        print(result, opts, (r) =>
          r.status === 'unchanged' ? `Memory ${r.id} already had these values; nothing changed` : `Updated memory ${r.id} (${r.changed.join(', ')})`,
        );
      });
    });

  memory
    .command('delete')
    .description('Delete a memory')
    .argument('<id>', 'memory id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
      await withApp(async (app) => {
        const existing = await app.memory.get(id);
        if (!(await confirm(`Delete memory ${existing.id} ("${oneLine(existing.content, 40)}")?`, opts.yes))) {
          process.stderr.write('Aborted.\n');
          return;
        }
        const result = await app.memory.delete(existing.id);
        print(result, opts, (r) => (r.deleted ? `Deleted memory ${existing.id}` : `Memory ${existing.id} was already gone`));
      });
    });
}
