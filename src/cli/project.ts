import type { Command } from 'commander';
import { projectDir, withOrchestration } from './orchestration-context.js';
import { print } from './output.js';

export function registerProject(program: Command): void {
  const project = program
    .command('project')
    .description("The current project's key, base branch and the commands its gates run")
    .addHelpText(
      'after',
      '\nSettings: test, lint, typecheck (gate commands; detected from package.json, pyproject.toml, Cargo.toml,\n' +
        "go.mod or a Makefile unless set; 'none' turns one off), sync (run after a merge), base_branch.",
    );

  project
    .command('show')
    .description('Show the project key, base branch and gate commands, with where each comes from')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const d = await o.projects.describe(projectDir());
        print(d, opts, (x) =>
          [
            `Project:     ${x.root}${x.is_git ? '' : ' (not a git repository)'}`,
            `Base branch: ${x.base_branch ? `${x.base_branch.name} (${x.base_branch.source})` : 'unknown'}`,
            'Commands:',
            ...x.commands.map((c) => `  ${c.kind.padEnd(10)} ${c.command ?? '-'}  (${c.source})`),
          ].join('\n'),
        );
      });
    });

  project
    .command('set')
    .description('Set a project setting: test, lint, typecheck, sync or base_branch')
    .argument('<key>')
    .argument('<value>', "a shell command ('none' turns a detected one off), or a branch name")
    .action(async (key: string, value: string) => {
      await withOrchestration(async (o) => {
        const p = await o.projects.detect(projectDir());
        const r = await o.projects.set(p.root, key, value);
        process.stdout.write(`Set ${r.key} = ${r.value} for ${p.root}\n`);
      });
    });

  project
    .command('unset')
    .description('Forget a project setting (detection applies again)')
    .argument('<key>')
    .action(async (key: string) => {
      await withOrchestration(async (o) => {
        const p = await o.projects.detect(projectDir());
        const r = o.projects.unset(p.root, key);
        process.stdout.write(r.removed ? `Unset ${r.key} for ${p.root}\n` : `${r.key} was not set for ${p.root}\n`);
      });
    });
}
