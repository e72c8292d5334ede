import type { Command } from 'commander';
import { cliConfig } from './app-context.js';
import type { CalmHomeEvidence } from '../services/calm-home/detect.js';
import { confirm } from './confirm.js';
import { downloadProgress, print, table } from './output.js';

async function adoptCalm(home: string, evidence: CalmHomeEvidence, opts: { json?: boolean; yes?: boolean }): Promise<void> {
  const question =
    `${home} is a CALM home (${evidence.signs.join('; ')}).\n` +
    "Bring it over to calm? CALM's files are first copied, byte for byte and verified, into a calm-original-<time>/ folder there; " +
    'then calm imports everything into a new database and replaces metadata.db and config.yaml.';
  if (!(await confirm(question, opts.yes))) {
    process.stderr.write('Nothing was changed.\n');
    return;
  }
  const [{ adoptCalmHome }, { adoptionDeps }] = await Promise.all([import('../services/calm-home/adopt.js'), import('../app.js')]);
  const download = downloadProgress();
  const r = await adoptCalmHome(adoptionDeps(process.env), home, { evidence, onProgress: download.onProgress }).finally(download.stop);
  print(r, opts, (x) =>
    [
      `CALM's home ${x.home} is now calm's.`,
      `  CALM's originals: ${x.originals.dir} (${x.originals.files} files, checksums verified; list in calm-original.json)`,
      `  Database: ${x.database}`,
      `  Embedder: ${x.embedder.setting} — ${x.embedder.id} (${x.embedder.reason})`,
      x.qdrant.imported
        ? `  CALM's Qdrant (${x.qdrant.url}): imported`
        : `  CALM's Qdrant (${x.qdrant.url}) was not reachable: ${x.qdrant.error}\n  Import its memories, experiences and values later with:\n    ${x.qdrant.import_later}`,
      '',
      x.collections.length ? table(x.collections, ['collection', 'found', 'imported'], ['Collection', 'In CALM', 'Imported']) : 'No collections imported from Qdrant.',
      '',
      x.tables.length ? table(x.tables, ['table', 'found', 'added'], ['Table', 'In CALM', 'Added']) : 'No CALM tables.',
      '',
      `GHAP: ${x.journal.active ? `active entry ${x.journal.active} carried over` : 'no active entry'}; ` +
        `${x.journal.resolved_found} resolved entries in CALM's journal (${x.journal.experiences_added} made searchable here), ` +
        `${x.ghap_entries_from_qdrant} from Qdrant`,
      `Settings carried over: ${x.config.mapped.map((m) => `${m.from} → ${m.to}`).join(', ') || 'none'}`,
      ...x.config.not_carried.map((n) => `Setting not carried over: ${n.key} (${n.reason})`),
      ...x.skipped.map((s) => `Not imported: ${s.what} (${s.reason})`),
      `Templates: ${x.templates.copied.length} added, ${x.templates.kept} of CALM's kept as they were`,
      '',
      `To go back to CALM's files exactly as they were: ${x.restore_command}`,
      'Next: `calm status`',
    ].join('\n'),
  );
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create the calm home: directories, database, config file, and choose the embedder')
    .option('--json', 'print the result as JSON')
    .option('-y, --yes', 'on a CALM home: bring it over without asking')
    .addHelpText(
      'after',
      '\nThe embedder comes from CALM_EMBEDDER or config.yaml when set (it must load, or init stops).\n' +
        'Otherwise calm uses minilm when its weights are here or can be downloaded, and the built-in hash embedder if not.\n\n' +
        "On a CALM home (CALM's metadata.db, config.yaml, journal/), init asks, then keeps a verified byte-for-byte copy of\n" +
        "CALM's files in calm-original-<UTC time>/, imports everything (Qdrant collections when reachable, tables, journal)\n" +
        "into a new calm database and swaps it in. `calm restore-calm` puts CALM's files back.",
    )
    .action(async (opts: { json?: boolean; yes?: boolean }) => {
      const [{ resolveHome }, { detectCalmHome }] = await Promise.all([import('../config.js'), import('../services/calm-home/detect.js')]);
      const home = resolveHome(process.env).home;
      const evidence = await detectCalmHome(home);
      if (evidence) {
        await adoptCalm(home, evidence, opts);
        return;
      }
      const { initCalm } = await import('../services/init.js');
      const download = downloadProgress();
      const result = await initCalm(await cliConfig(), download.onProgress).finally(download.stop);
      print(result, opts, (r) =>
        [
          `calm initialized at ${r.home}`,
          `  Database: ${r.database} (schema ${r.schemaVersion})`,
          `  Config:   ${r.configFile} (${r.configFileAction})`,
          `  Embedder: ${r.embedder.setting} — ${r.embedder.id}, ${r.embedder.dim}-d`,
          `            ${r.embedder.reason}`,
          `  Templates: ${r.templates.copied.length} copied, ${r.templates.kept} already present and kept (roles/, workflows/, skills/)`,
          ...(r.authTokenFile ? [`  Auth token: ${r.authTokenFile} (owner-only; the daemon requires it, calm's hooks send it)`] : []),
          '',
          'To switch embedder later: set CALM_EMBEDDER (hash, minilm, nomic or a model folder), then run `calm reembed`.',
          'Next: `calm status`',
        ].join('\n'),
      );
    });
}
