/**
 * The code, git and context part of `calm demo`: index a tiny generated project and a tiny git
 * repository inside the throwaway home, search both, and assemble context from everything stored.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { App } from '../app.js';

const FILES: Record<string, string> = {
  'auth/session.py': [
    'SESSION_TTL_SECONDS = 3600',
    '',
    '',
    'def create_session(user_id):',
    '    """Create a login session for a user; each test should use its own user."""',
    '    return {"user": user_id, "ttl": SESSION_TTL_SECONDS}',
    '',
  ].join('\n'),
  'web/routes.ts': [
    '/** The login route: checks the password, then starts a session. */',
    'export async function login(user: string, password: string): Promise<boolean> {',
    '  return user.length > 0 && password.length >= 12;',
    '}',
    '',
  ].join('\n'),
};

const COMMITS: { files: Record<string, string>; message: string; author: string }[] = [
  { files: { 'auth/session.py': FILES['auth/session.py']! }, message: 'Add login sessions with a one-hour TTL', author: 'Ada' },
  { files: { 'web/routes.ts': FILES['web/routes.ts']! }, message: 'Add the login route', author: 'Grace' },
  { files: { 'auth/session.py': `${FILES['auth/session.py']}# sessions are per user\n` }, message: 'Fix flaky login test: one user per test', author: 'Ada' },
];

function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

function git(cwd: string, args: string[], author = 'calm demo'): void {
  const email = `${author.toLowerCase().replace(/\W+/g, '.')}@example.invalid`;
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: author, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: author, GIT_COMMITTER_EMAIL: email },
  });
}

export async function codeTour(app: App, workDir: string, say: (line?: string) => void): Promise<void> {
  const code = join(workDir, 'demo-project');
  write(code, FILES);
  const indexed = await app.code.index({ directory: code, project: 'demo' });
  say(`index_codebase → ${indexed.files_indexed} files, ${indexed.units_indexed} units (functions, classes, methods, constants)`);
  const again = await app.code.index({ directory: code, project: 'demo' });
  say(`again          → ${again.files_skipped} unchanged files skipped`);
  const found = await app.code.search({ query: 'password check', search_mode: 'hybrid', limit: 1 });
  for (const r of found.results) say(`search_code "password check" → ${r.qualified_name} (${r.language}, lines ${r.start_line}-${r.end_line})`);

  const repo = join(workDir, 'demo-repo');
  try {
    mkdirSync(repo, { recursive: true });
    git(repo, ['init', '-q']);
    for (const c of COMMITS) {
      write(repo, c.files);
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-q', '-m', c.message], c.author);
    }
  } catch {
    say('(git is not installed: the git part of the tour is skipped)');
    return;
  }
  const commits = await app.git.indexCommits({ repo_path: repo });
  say(`index_commits  → ${commits.commits_indexed} commits (${commits.mode}); again → ${(await app.git.indexCommits({ repo_path: repo })).mode}`);
  const hits = await app.git.searchCommits({ query: 'flaky login', search_mode: 'keyword', limit: 1 });
  for (const h of hits.results) say(`search_commits "flaky login" → ${h.sha.slice(0, 7)} ${h.message} (${h.author})`);
  const authors = await app.git.codeAuthors({ path: 'auth/session.py', repo_path: repo });
  say(`get_code_authors auth/session.py → ${authors.authors.map((a) => `${a.author}: ${a.commit_count} commits, +${a.lines_added}/-${a.lines_removed}`).join('; ')}`);

  const ctx = await app.context.assemble({ query: 'flaky login test', max_tokens: 400 });
  say(`assemble_context "flaky login test" (max 400 tokens) → ${ctx.token_count} tokens from ${JSON.stringify(ctx.sources_used)}:`);
  for (const line of ctx.markdown.split('\n').slice(0, 14)) say(`   ${line}`);
  say('   ...');
}
