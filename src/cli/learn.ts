/** `calm learn`: clusters of experiences and the values drawn from them, over the same services as the MCP tools. */
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { wholeNumberOption } from './options.js';
import { print, table } from './output.js';

const AXES = 'full, strategy, surprise, root_cause';
const firstLine = (text: string, max = 80): string => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
};

export function registerLearn(program: Command): void {
  const learn = program.command('learn').description('Clusters of experiences and the values they support');

  learn
    .command('clusters')
    .description('Cluster the experiences on one axis (HDBSCAN), largest cluster first')
    .argument('[axis]', AXES, 'full')
    .option('--json', 'print as JSON')
    .action(async (axis: string, opts: { json?: boolean }) => {
      await withApp(async (app) => {
        const result = await app.clusters.getClusters({ axis });
        print(result, opts, (r) => {
          if ('status' in r) return r.message;
          if (r.count === 0) return `No clusters on axis '${r.axis}' (${r.noise_count} experiences are noise).`;
          return [
            table(r.clusters, ['cluster_id', 'size', 'avg_weight'], ['Cluster', 'Size', 'Avg weight']),
            '',
            `${r.count} cluster(s); ${r.noise_count} experience(s) in no cluster. See one with \`calm learn members <cluster>\`.`,
          ].join('\n');
        });
      });
    });

  learn
    .command('search')
    .description("Search experiences (resolved GHAP entries): this project's and global ones first")
    .argument('<query>', 'what to look for')
    .option('-a, --axis <axis>', `axis to search: ${AXES}`, 'full')
    .option('-d, --domain <domain>', 'only this domain')
    .option('-o, --outcome <status>', 'only this outcome: confirmed, falsified, abandoned')
    .option('-m, --mode <mode>', 'semantic, keyword or hybrid', 'semantic')
    .option('-l, --limit <n>', 'maximum results (1-50)', wholeNumberOption, 10)
    .option('--scope <scope>', "all (this project's and global experiences first) or project (only those)", 'all')
    .option('--json', 'print as JSON')
    .action(async (query: string, opts: { axis: string; domain?: string; outcome?: string; mode: string; limit: number; scope: string; json?: boolean }) => {
      await withApp(async (app) => {
        const found = await app.experiences.searchExperiences({
          query, axis: opts.axis, domain: opts.domain, outcome: opts.outcome, search_mode: opts.mode, limit: opts.limit, scope: opts.scope,
        });
        print(found, opts, (r) =>
          r.count === 0
            ? 'No experiences found.'
            : table(r.results.map((e) => ({ ...e, score: e.score.toFixed(3), goal: firstLine(e.goal ?? '', 60), project: e.project ?? '(global)' })),
              ['id', 'score', 'outcome_status', 'project', 'goal'], ['ID', 'Score', 'Outcome', 'Project', 'Goal']),
        );
      });
    });

  learn
    .command('members')
    .description('The experiences in a cluster, closest to its centre first')
    .argument('<cluster>', "cluster id, e.g. 'full_0'")
    .option('-l, --limit <n>', 'maximum members (1-100)', wholeNumberOption, 50)
    .option('--json', 'print as JSON')
    .action(async (cluster: string, opts: { limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const result = await app.clusters.getClusterMembers({ cluster_id: cluster, limit: opts.limit });
        print(result, opts, (r) =>
          table(r.members.map((m) => ({ ...m, text: firstLine(m.text) })), ['id', 'domain', 'outcome_status', 'text'],
            ['ID', 'Domain', 'Outcome', 'Text']),
        );
      });
    });

  learn
    .command('validate')
    .description('Check a value statement against a cluster (exit 1 when it is not valid); with --store, keep it if it is valid')
    .argument('<cluster>', "cluster id, e.g. 'full_0'")
    .argument('<text>', 'the value statement (max 500 characters)')
    .option('--store', 'store the value when it validates')
    .option('--json', 'print as JSON')
    .action(async (cluster: string, text: string, opts: { store?: boolean; json?: boolean }) => {
      await withApp(async (app) => {
        if (opts.store) {
          const axis = cluster.includes('_') ? cluster.slice(0, cluster.lastIndexOf('_')) : cluster;
          const stored = await app.values.store({ text, cluster_id: cluster, axis });
          print(stored, opts, (s) => `Stored value ${s.id} for ${s.cluster_id}`);
          return;
        }
        const result = await app.values.validate({ text, cluster_id: cluster });
        print(result, opts, (r) => (r.valid ? `Valid for ${r.cluster_id} (similarity ${r.similarity!.toFixed(3)})` : `Not valid: ${r.reason}`));
        if (!result.valid) process.exitCode = 1;
      });
    });

  learn
    .command('values')
    .description('List stored values, newest first')
    .option('-a, --axis <axis>', `only this axis: ${AXES}`)
    .option('-l, --limit <n>', 'maximum values (1-100)', wholeNumberOption, 20)
    .option('--scope <scope>', "all (this project's and global values first) or project (only those)", 'all')
    .option('--json', 'print as JSON')
    .action(async (opts: { axis?: string; limit: number; scope: string; json?: boolean }) => {
      await withApp(async (app) => {
        const page = await app.values.list(opts);
        print(page, opts, (p) =>
          p.count === 0
            ? 'No values stored.'
            : table(p.results, ['id', 'cluster_id', 'member_count', 'validated_at', 'text'], ['ID', 'Cluster', 'Evidence', 'Validated', 'Value']),
        );
      });
    });
}
