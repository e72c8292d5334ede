/** `calm context QUERY`: the assembled context document an agent would get for a prompt. */
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { listOption, wholeNumberOption } from './options.js';
import { print } from './output.js';

export function registerContext(program: Command): void {
  program
    .command('context')
    .description('Assemble context for a prompt from memories, code, experiences, values and commits')
    .argument('<query>', 'the prompt')
    .option('-t, --types <types>', 'sources, comma-separated: values, experiences, memories, code, commits (default: all)', listOption)
    .option('-l, --limit <n>', 'maximum items per source (1-50)', wholeNumberOption, 10)
    .option('--max-tokens <n>', 'token budget (100-10000)', wholeNumberOption, 1500)
    .option('--json', 'print the result (markdown, token count, sources) as JSON')
    .action(async (query: string, opts: { types?: string[]; limit: number; maxTokens: number; json?: boolean }) => {
      await withApp(async (app) => {
        const ctx = await app.context.assemble({ query, context_types: opts.types, limit: opts.limit, max_tokens: opts.maxTokens });
        print(ctx, opts, (c) => {
          const summary = `(${c.item_count} items, ~${c.token_count} tokens${c.truncated ? ', trimmed to the budget' : ''})`;
          const warnings = (c.warnings ?? []).map((w) => `warning: ${w}`);
          return [c.markdown || 'Nothing relevant found.', '', summary, ...warnings].join('\n');
        });
      });
    });
}
