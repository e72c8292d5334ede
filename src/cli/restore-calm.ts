/** @module `calm restore-calm`: put back, byte for byte, the CALM files `calm init` preserved when it adopted a CALM home. */
import type { Command } from 'commander';
import { CalmError } from '../errors.js';
import { confirm } from './confirm.js';
import { print } from './output.js';

export function registerRestoreCalm(program: Command): void {
  program
    .command('restore-calm')
    .description("Put CALM's original files back exactly as they were before `calm init` brought the home over")
    .argument('[folder]', 'the calm-original-<time> folder (default: the newest in the home)')
    .option('-y, --yes', 'do not ask')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', "\ncalm's own files at those places (its metadata.db, config.yaml, roles/, ...) are moved into calm-replaced-<time>/, never deleted.")
    .action(async (folder: string | undefined, opts: { yes?: boolean; json?: boolean }) => {
      const [{ resolveHome, pathsFor }, preserve, { isProcessAlive, readPidFile }] = await Promise.all([
        import('../config.js'), import('../services/calm-home/preserve.js'), import('../services/daemon.js'),
      ]);
      const home = resolveHome(process.env).home;
      const from = folder ?? preserve.latestOriginals(home);
      if (!from) throw new CalmError('not_found', `No preserved CALM files (calm-original-*/) in ${home}`);
      const bad = preserve.verifyOriginals(from);
      if (bad.length) throw new CalmError('storage_error', `The preserved copy in ${from} is damaged: ${bad.join('; ')}`);
      const pid = readPidFile(pathsFor(home).pidFile);
      if (pid !== undefined && isProcessAlive(pid)) throw new CalmError('validation_error', `calm's server is running (PID ${pid}): run \`calm server stop\` first`);
      if (!(await confirm(`Put CALM's files from ${from} back into ${home}? calm's files there move to calm-replaced-<time>/.`, opts.yes))) {
        process.stderr.write('Nothing was changed.\n');
        return;
      }
      const r = preserve.restoreOriginals(home, from);
      print(r, opts, (x) =>
        [
          `Restored ${x.files} CALM files from ${x.from} into ${x.home}, byte for byte.`,
          x.moved_aside_to ? `calm's files that were there: ${x.moved_aside_to}` : '',
          'Run `calm init` to bring the home over to calm again.',
        ].filter(Boolean).join('\n'),
      );
    });
}
