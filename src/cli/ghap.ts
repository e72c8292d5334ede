/** `calm ghap`: the GHAP learning loop from the shell, over the same GhapService as the MCP tools. */
import type { Command } from 'commander';
import type { GhapEntry } from '../services/ghap/ghap-service.js';
import { withApp } from './app-context.js';
import { wholeNumberOption } from './options.js';
import { print, table } from './output.js';

const DOMAINS = 'debugging, refactoring, feature, testing, configuration, documentation, performance, security, integration';
const STRATEGIES = 'systematic-elimination, trial-and-error, research-first, divide-and-conquer, root-cause-analysis, copy-from-similar, check-assumptions, read-the-error, ask-user';

function renderEntry(e: GhapEntry): string {
  const lines = [
    `ID:          ${e.id} (${e.status}, iteration ${e.iteration_count})`,
    `Domain:      ${e.domain}`,
    `Strategy:    ${e.strategy}`,
    `Created:     ${e.created_at}`,
    '',
    `Goal:        ${e.goal}`,
    `Hypothesis:  ${e.hypothesis}`,
    `Action:      ${e.action}`,
    `Prediction:  ${e.prediction}`,
  ];
  if (e.history.length > 0) {
    lines.push('', 'Earlier iterations:');
    e.history.forEach((h, i) => lines.push(`  ${i + 1}. ${h.timestamp}  H: ${h.hypothesis} | A: ${h.action} | P: ${h.prediction}`));
  }
  if (e.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of e.notes) lines.push(`  ${n.created_at}  ${n.note}`);
  }
  return lines.join('\n');
}

export function registerGhap(program: Command): void {
  const ghap = program.command('ghap').description('The GHAP learning loop: goal, hypothesis, action, prediction, outcome');

  ghap
    .command('start')
    .description('Start tracking a new GHAP entry (one can be active at a time)')
    .requiredOption('-d, --domain <domain>', `one of: ${DOMAINS}`)
    .requiredOption('-s, --strategy <strategy>', `one of: ${STRATEGIES}`)
    .requiredOption('-g, --goal <text>', 'what meaningful change you are trying to make')
    .requiredOption('--hypothesis <text>', 'what you believe about the situation')
    .requiredOption('-a, --action <text>', 'what you are doing based on that belief')
    .requiredOption('-p, --prediction <text>', 'what you will observe if the hypothesis is right')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { domain: string; strategy: string; goal: string; hypothesis: string; action: string; prediction: string; json?: boolean }) => {
      await withApp(async (app) => {
        const started = await app.ghap.start(opts);
        print(started, opts, (s) => `Started GHAP entry ${s.id}`);
      });
    });

  ghap
    .command('update')
    .description('Revise the active entry; a changed hypothesis, action or prediction starts a new iteration')
    .option('--hypothesis <text>', 'new hypothesis')
    .option('-a, --action <text>', 'new action')
    .option('-p, --prediction <text>', 'new prediction')
    .option('-s, --strategy <strategy>', 'new strategy (does not start an iteration)')
    .option('-n, --note <text>', 'a note to keep with the entry')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { hypothesis?: string; action?: string; prediction?: string; strategy?: string; note?: string; json?: boolean }) => {
      await withApp(async (app) => {
        const updated = await app.ghap.update(opts);
        print(updated, opts, (u) => `Updated the active GHAP entry (iteration ${u.iteration_count})`);
      });
    });

  ghap
    .command('resolve')
    .description('Resolve the active entry: confirmed, falsified (needs --surprise and a root cause) or abandoned')
    .requiredOption('--status <status>', 'confirmed, falsified or abandoned')
    .requiredOption('-r, --result <text>', 'what actually happened')
    .option('--surprise <text>', 'what was unexpected (required when falsified)')
    .option('--root-cause <category>', 'root cause category (required when falsified)')
    .option('--root-cause-description <text>', 'why the hypothesis was wrong (required when falsified)')
    .option('--what-worked <text>', 'the lesson: what worked')
    .option('--takeaway <text>', 'the lesson: the takeaway (with --what-worked)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: {
      status: string; result: string; surprise?: string; rootCause?: string; rootCauseDescription?: string;
      whatWorked?: string; takeaway?: string; json?: boolean;
    }) => {
      await withApp(async (app) => {
        const rootCause = opts.rootCause !== undefined || opts.rootCauseDescription !== undefined
          ? { category: opts.rootCause, description: opts.rootCauseDescription }
          : undefined;
        const lesson = opts.whatWorked !== undefined || opts.takeaway !== undefined
          ? { what_worked: opts.whatWorked, takeaway: opts.takeaway }
          : undefined;
        const resolved = await app.ghap.resolve({
          status: opts.status, result: opts.result, surprise: opts.surprise, root_cause: rootCause, lesson,
        });
        print(resolved, opts, (r) => `Resolved GHAP entry ${r.id} as ${opts.status}`);
      });
    });

  ghap
    .command('status')
    .description('Show the active entry, with its earlier iterations and notes')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withApp(async (app) => {
        const entry = await app.ghap.activeEntry();
        print(entry ? { has_active: true, entry } : { has_active: false, entry: null }, opts, (s) =>
          s.entry ? renderEntry(s.entry) : 'No active GHAP entry. Start one with `calm ghap start`.',
        );
      });
    });

  ghap
    .command('list')
    .description('List resolved entries, most recently resolved first')
    .option('-l, --limit <n>', 'maximum entries (1-100)', wholeNumberOption, 20)
    .option('-d, --domain <domain>', 'only this domain')
    .option('-o, --outcome <status>', 'only this outcome: confirmed, falsified or abandoned')
    .option('--since <date>', 'only entries resolved at or after this ISO 8601 date or time (UTC if no offset)')
    .option('--json', 'print as JSON')
    .action(async (opts: { limit: number; domain?: string; outcome?: string; since?: string; json?: boolean }) => {
      await withApp(async (app) => {
        const page = await app.ghap.list(opts);
        print(page, opts, (p) =>
          p.count === 0
            ? 'No resolved GHAP entries.'
            : table(p.results, ['id', 'domain', 'strategy', 'outcome_status', 'confidence_tier', 'iteration_count', 'captured_at'],
                ['ID', 'Domain', 'Strategy', 'Outcome', 'Tier', 'Iterations', 'Resolved']),
        );
      });
    });
}
