/**
 * @module Claude Code's stdin payload, read with a size cap and a time limit, normalised into one typed
 * event. A missing or mistyped field gets a default, never a throw; input that is not a JSON object
 * (empty, garbage, an array) is no event at all, and the hook stays silent.
 *
 * Keys are the ones Claude Code sends (`cwd`, `session_id`, `tool_response`), not the ones CALM read
 * (`working_directory`, `CLAUDE_SESSION_ID`, `tool_output`). PostToolUseFailure sends `error` in place
 * of `tool_response`; both are kept.
 */

export const STDIN_MAX_BYTES = 8 * 1024 * 1024;
/** Some Claude Code builds never close the hook's stdin (cc#78756): stop waiting after this long. */
export const STDIN_WAIT_MS = 1500;

export interface HookPayload {
  readonly session_id: string;
  readonly cwd: string;
  readonly hook_event_name: string;
  readonly source: string;
  readonly prompt: string;
  readonly tool_name: string;
  readonly tool_input: Readonly<Record<string, unknown>>;
  readonly tool_response: unknown;
  readonly error: string;
}

/** The whole of stdin as text; '' on a terminal. Input over the cap is dropped whole (it could not parse). */
export function readStdin(stream: NodeJS.ReadStream = process.stdin, maxBytes = STDIN_MAX_BYTES, waitMs = STDIN_WAIT_MS): Promise<string> {
  if (stream.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (text: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish('');
      else chunks.push(chunk);
    };
    // a plain, referenced timer: the process must not exit while it waits
    const timer = setTimeout(() => finish(Buffer.concat(chunks).toString('utf8')), waitMs);
    stream.on('data', onData);
    stream.once('end', () => finish(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', () => finish(''));
  });
}

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function parsePayload(raw: string): unknown {
  const trimmed = raw.trim();
  if (!trimmed) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** The payload with every field present, or null when the input is not a JSON object. */
export function normalizePayload(value: unknown, cwdFallback: string = process.cwd()): HookPayload | null {
  if (!isObject(value)) return null;
  const cwd = text(value.cwd).trim();
  return {
    session_id: text(value.session_id).trim(),
    cwd: cwd || cwdFallback,
    hook_event_name: text(value.hook_event_name),
    source: text(value.source),
    prompt: text(value.prompt),
    tool_name: text(value.tool_name),
    tool_input: isObject(value.tool_input) ? value.tool_input : {},
    tool_response: value.tool_response ?? null,
    error: text(value.error),
  };
}

/**
 * The text of a tool's result: Bash answers `{stdout, stderr}`, MCP tools a list of content blocks,
 * older builds a bare string; a failed call (PostToolUseFailure) carries `error` instead.
 */
export function responseText(payload: Pick<HookPayload, 'tool_response' | 'error'>, maxChars = 200_000): string {
  const parts: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 3 || v === null || v === undefined) return;
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (isObject(v)) {
      for (const key of ['stdout', 'stderr', 'output', 'text', 'content', 'result']) walk(v[key], depth + 1);
    }
  };
  walk(payload.tool_response, 0);
  if (payload.error) parts.push(payload.error);
  const joined = parts.join('\n');
  // the summary lines are at the end of a long run
  return joined.length > maxChars ? joined.slice(-maxChars) : joined;
}
