import type { Command } from 'commander';
import type { Counter } from '../services/orchestration/counters.js';
import { withOrchestration } from './orchestration-context.js';
import { print, table } from './output.js';

export const renderCounters = (cs: Counter[]): string => (cs.length === 0 ? 'No counters found.' : table(cs, ['name', 'value'], ['Name', 'Value']));

export function registerCounter(program: Command): void {
  const counter = program.command('counter').description('Named counters: merge_lock, merges_since_e2e, merges_since_docs, and your own');

  counter
    .command('list')
    .description('List counters')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOrchestration((o) => print(o.counters.list(), opts, renderCounters));
    });

  counter
    .command('get')
    .description("Print a counter's value (0 if it was never set)")
    .argument('<name>')
    .action(async (name: string) => {
      await withOrchestration((o) => void process.stdout.write(`${o.counters.get(name)}\n`));
    });

  counter
    .command('set')
    .description('Set a counter')
    .argument('<name>')
    .argument('<value>', 'a whole number')
    .action(async (name: string, value: string) => {
      await withOrchestration((o) => {
        const c = o.counters.set(name, value);
        process.stdout.write(`Set ${c.name} = ${c.value}\n`);
      });
    });

  counter
    .command('increment')
    .description('Add 1 to a counter (creating it at 1)')
    .argument('<name>')
    .action(async (name: string) => {
      await withOrchestration((o) => {
        const c = o.counters.increment(name);
        process.stdout.write(`${c.name} = ${c.value}\n`);
      });
    });

  counter
    .command('reset')
    .description('Set a counter to 0')
    .argument('<name>')
    .action(async (name: string) => {
      await withOrchestration((o) => {
        const c = o.counters.reset(name);
        process.stdout.write(`Reset ${c.name} to 0\n`);
      });
    });

  counter
    .command('add')
    .description('Create a counter if it does not exist (an existing one keeps its value)')
    .argument('<name>')
    .argument('[value]', 'initial value', '0')
    .action(async (name: string, value: string) => {
      await withOrchestration((o) => {
        const c = o.counters.add(name, value);
        process.stdout.write(c.created ? `Created counter ${c.name} = ${c.value}\n` : `Counter ${c.name} already exists (value ${c.value}, unchanged)\n`);
      });
    });
}
