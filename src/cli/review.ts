import type { Command } from 'commander';
import { confirm } from './confirm.js';
import { shortTime, withOrchestration } from './orchestration-context.js';
import { print, table } from './output.js';

const TYPES = 'spec, proposal, code or bugfix';

export function registerReview(program: Command): void {
  const review = program.command('review').description('Record and check reviews (a gate needs 2 approvals; changes_requested restarts the cycle)');

  review
    .command('record')
    .description('Record a review result for a task')
    .argument('<task-id>')
    .argument('<type>', TYPES)
    .argument('<result>', 'approved or changes_requested')
    .option('--worker <worker-id>', 'the reviewing worker')
    .option('--notes <text>', "the reviewer's notes")
    .option('--json', 'print the result as JSON')
    .action(async (id: string, type: string, result: string, opts: { worker?: string; notes?: string; json?: boolean }) => {
      await withOrchestration((o) => {
        const r = o.reviews.record(id, type, result, opts);
        print(r, opts, (x) =>
          [`Recorded ${x.review.review_type} review: ${x.review.result}`, ...(x.cycle_restarted ? ['Previous reviews cleared - review cycle restarted'] : [])].join('\n'),
        );
      });
    });

  review
    .command('list')
    .description("List a task's reviews, newest first")
    .argument('<task-id>')
    .argument('[type]', TYPES)
    .option('--json', 'print JSON')
    .action(async (id: string, type: string | undefined, opts: { json?: boolean }) => {
      await withOrchestration((o) => {
        const reviews = o.reviews.list(id, type);
        print(reviews, opts, (rs) =>
          rs.length === 0
            ? 'No reviews found.'
            : table(
                rs.map((r) => ({ ...r, worker_id: r.worker_id ?? 'N/A', date: shortTime(r.created_at) })),
                ['id', 'review_type', 'result', 'worker_id', 'date'],
                ['ID', 'Type', 'Result', 'Worker', 'Date (UTC)'],
              ),
        );
      });
    });

  review
    .command('check')
    .description('Check whether a task has the 2 approvals a gate needs (exit 1 if not)')
    .argument('<task-id>')
    .argument('<type>', TYPES)
    .option('--json', 'print JSON')
    .action(async (id: string, type: string, opts: { json?: boolean }) => {
      await withOrchestration((o) => {
        const c = o.reviews.check(id, type);
        print(c, opts, (x) => `${x.passed ? 'PASS' : 'FAIL'}: ${x.approved}/${x.required} ${x.review_type} reviews approved`);
        if (!c.passed) process.exitCode = 1;
      });
    });

  review
    .command('clear')
    .description("Delete a task's reviews (of one type, or all)")
    .argument('<task-id>')
    .argument('[type]', TYPES)
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id: string, type: string | undefined, opts: { yes?: boolean }) => {
      await withOrchestration(async (o) => {
        const existing = o.reviews.list(id, type).length;
        if (!(await confirm(`Delete ${existing} ${type ? `${type} ` : ''}reviews of ${id}?`, opts.yes))) {
          process.stderr.write('Aborted.\n');
          return;
        }
        const r = o.reviews.clear(id, type);
        process.stdout.write(`Cleared ${r.cleared} ${r.review_type ? `${r.review_type} ` : ''}reviews for ${id}\n`);
      });
    });
}
