/** @module Reading a command's text from standard input (e.g. `calm memory store -`). */

/** All of stdin as UTF-8; on a terminal, `prompt` is shown on stderr first. */
export async function readStdin(prompt?: string): Promise<string> {
  if (prompt && process.stdin.isTTY) process.stderr.write(`${prompt}\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
