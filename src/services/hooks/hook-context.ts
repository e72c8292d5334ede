/**
 * @module What Claude Code's hooks need from calm's data, in one place: the active GHAP, the tasks of a
 * project, the context relevant to a prompt. The daemon answers these over HTTP (`POST /hooks/query`)
 * and a hook whose daemon is down asks this same service in its own process, so both give one answer.
 */
import type { Embedder } from '../../embedding/embedder.js';
import { validationError } from '../../errors.js';
import type { RecordStore } from '../../store/records/record-store.js';
import type { ActiveGhapView, GhapService } from '../ghap/ghap-service.js';
import type { Orchestration } from '../orchestration/index.js';
import { type PromptContext, type PromptContextMode, PromptContextService } from './prompt-context.js';

/** The parts of the App this service reads (structural, so it never imports the composition root). */
export interface HookContextDeps {
  readonly records: RecordStore;
  embedder(): Promise<Embedder>;
  readonly ghap: Pick<GhapService, 'getActive'>;
  readonly orchestration: Pick<Orchestration, 'projects' | 'tasks'>;
}

/** The active entry as hooks show it: get_active_ghap's view, present only when there is one. */
export type ActiveGhap = Readonly<Omit<ActiveGhapView, 'id' | 'strategy' | 'has_active'> & { id: string }>;

export interface ProjectTasks {
  readonly root: string;
  readonly tasks: { id: string; title: string; phase: string; task_type: string }[];
}

export interface SessionContext {
  readonly ghap: ActiveGhap | null;
  readonly project: ProjectTasks | null;
}

export type HookQuery =
  | { readonly kind: 'session'; readonly cwd?: string | undefined }
  | { readonly kind: 'ghap' }
  | {
    readonly kind: 'prompt';
    readonly prompt: string;
    readonly max_tokens?: number | undefined;
    readonly mode?: PromptContextMode | undefined;
    /** The session's working directory: its project's records come first. */
    readonly cwd?: string | undefined;
  };

export type HookAnswer = SessionContext | { ghap: ActiveGhap | null } | PromptContext;

const SESSION_TASKS_MAX = 10;

function toActive(view: ActiveGhapView): ActiveGhap | null {
  if (!view.has_active || !view.id) return null;
  const { id, domain, goal, hypothesis, action, prediction, iteration_count, created_at } = view;
  return { id, domain, goal, hypothesis, action, prediction, iteration_count, created_at };
}

/** The request body of `POST /hooks/query`, checked: anything else is a validation error. */
export function parseHookQuery(body: unknown): HookQuery {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw validationError('A hook query must be a JSON object');
  const q = body as Record<string, unknown>;
  switch (q.kind) {
    case 'session':
      return { kind: 'session', cwd: typeof q.cwd === 'string' && q.cwd !== '' ? q.cwd : undefined };
    case 'ghap':
      return { kind: 'ghap' };
    case 'prompt':
      if (typeof q.prompt !== 'string') throw validationError("Field 'prompt' must be a string");
      return {
        kind: 'prompt',
        prompt: q.prompt,
        max_tokens: typeof q.max_tokens === 'number' ? q.max_tokens : undefined,
        mode: q.mode === 'keyword' ? 'keyword' : q.mode === 'semantic' ? 'semantic' : undefined,
        cwd: typeof q.cwd === 'string' && q.cwd !== '' ? q.cwd : undefined,
      };
    default:
      throw validationError("Field 'kind' must be one of: session, ghap, prompt");
  }
}

export class HookContextService {
  private readonly prompts: PromptContextService;

  constructor(private readonly deps: HookContextDeps) {
    this.prompts = new PromptContextService({ records: deps.records, embedder: () => deps.embedder() });
  }

  async activeGhap(): Promise<ActiveGhap | null> {
    return toActive(await this.deps.ghap.getActive());
  }

  /** The project `cwd` belongs to (its main repository root) and its tasks that are not DONE, newest first. */
  async projectTasks(cwd: string): Promise<ProjectTasks> {
    const project = await this.deps.orchestration.projects.detect(cwd);
    const tasks = this.deps.orchestration.tasks.list(project).slice(0, SESSION_TASKS_MAX);
    return { root: project.root, tasks: tasks.map((t) => ({ id: t.id, title: t.title, phase: t.phase, task_type: t.task_type })) };
  }

  async session(cwd: string | undefined): Promise<SessionContext> {
    const [ghap, project] = await Promise.all([this.activeGhap(), cwd ? this.projectTasks(cwd) : Promise.resolve(null)]);
    return { ghap, project };
  }

  async prompt(
    prompt: string,
    options: { maxTokens?: number | undefined; mode?: PromptContextMode | undefined; cwd?: string | undefined } = {},
  ): Promise<PromptContext> {
    // a directory that is gone or unreadable has no project: nothing is ranked
    const project = options.cwd ? await this.deps.orchestration.projects.detect(options.cwd).then((p) => p.root, () => undefined) : undefined;
    return this.prompts.find(prompt, {
      ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      project,
    });
  }

  async answer(query: HookQuery): Promise<HookAnswer> {
    switch (query.kind) {
      case 'session':
        return this.session(query.cwd);
      case 'ghap':
        return { ghap: await this.activeGhap() };
      case 'prompt':
        return this.prompt(query.prompt, { maxTokens: query.max_tokens, mode: query.mode, cwd: query.cwd });
    }
  }
}
