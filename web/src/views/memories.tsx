// Memories: browse (server-side pages in a virtualised list, keyset-paged by cursor), search in each mode with scores, filter,
// edit importance and tags, delete after a confirmation.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { MEMORY_CATEGORIES, SEARCH_MODES } from '../../../src/services/validation';
import { api, qs } from '../api';
import { Badge, Dialog, Empty, ErrorNote, Panel } from '../components';
import { score, shortDate } from '../format';
import type { MemoryPage, MemorySummary } from '../types';
import { VirtualList } from '../virtual-list';

const PAGE = 100;
const SEARCH_LIMIT = 50;

interface Filters {
  query: string;
  mode: string;
  category: string;
  tags: string;
  minImportance: string;
  since: string;
  until: string;
}
const NO_FILTERS: Filters = { query: '', mode: 'hybrid', category: '', tags: '', minImportance: '', since: '', until: '' };

function filterParams(f: Filters) {
  return {
    category: f.category, tags: f.tags.split(',').map((t) => t.trim()).filter(Boolean).join(','),
    min_importance: f.minImportance, since: f.since, until: f.until,
  };
}

/** Narrow windows wrap a row's text and buttons onto more lines, so rows are taller there. */
function useRowHeight(): number {
  const query = '(max-width: 520px)';
  const [narrow, setNarrow] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = () => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return narrow ? 150 : 84;
}

export function MemoriesView() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [rows, setRows] = useState<(MemorySummary | undefined)[]>([]);
  const [total, setTotal] = useState<number | undefined>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [notice, setNotice] = useState<string>();
  const [editing, setEditing] = useState<MemorySummary>();
  const [deleting, setDeleting] = useState<MemorySummary>();
  const generationRef = useRef(0);
  const pagesAsked = useRef(new Set<number>());
  /** Where page N starts: the previous page's next_cursor and the id of its last row. */
  const starts = useRef(new Map<number, { cursor: string; lastId: string }>());
  /** Pages in view whose previous page is still loading. */
  const waiting = useRef(new Set<number>());
  /** A page came back without a next_cursor: nothing follows it. */
  const ended = useRef(false);
  const rowHeight = useRowHeight();
  const searching = filters.query.trim() !== '';

  const loadPage = useCallback(
    function load(page: number, gen: number): void {
      if (pagesAsked.current.has(page)) return;
      const start = starts.current.get(page);
      // the page before is on its way: its next_cursor will start this one
      if (page > 0 && !start && pagesAsked.current.has(page - 1) && !ended.current) {
        waiting.current.add(page);
        return;
      }
      pagesAsked.current.add(page);
      // keyset paging continues after the previous page's last row; a page reached by a jump (no cursor yet) goes by offset.
      // counting every match is a scan: only the first page asks for the total
      const where = start ? { cursor: start.cursor } : { offset: page * PAGE };
      api<MemoryPage>(`/api/memories${qs({ ...filterParams(filters), limit: PAGE, ...where, total: page === 0 ? 1 : undefined })}`).then(
        (data) => {
          if (gen !== generationRef.current) return;
          setRows((prev) => {
            const next = prev.slice();
            // after a delete the rows have moved up by one: a cursor page goes right after the row it continues
            const after = start ? next.findIndex((m) => m?.id === start.lastId) : -1;
            const at = after >= 0 ? after + 1 : page * PAGE;
            data.results.forEach((m, i) => (next[at + i] = m));
            // without a total, one more page may follow
            if (data.total === undefined && data.next_cursor && next.length === at + data.results.length) next.length += 1;
            return next;
          });
          if (data.total !== undefined) setTotal(data.total);
          setLoading(false);
          const last = data.results.at(-1);
          if (data.next_cursor && last) starts.current.set(page + 1, { cursor: data.next_cursor, lastId: last.id });
          else ended.current = true;
          if (waiting.current.delete(page + 1) && data.next_cursor) load(page + 1, gen);
        },
        (e: Error) => {
          pagesAsked.current.delete(page);
          if (gen === generationRef.current) {
            setError(e.message);
            setLoading(false);
          }
        },
      );
    },
    [filters],
  );

  // a new search or filter starts over
  useEffect(() => {
    const gen = ++generationRef.current;
    pagesAsked.current = new Set();
    starts.current = new Map();
    waiting.current = new Set();
    ended.current = false;
    setRows([]);
    setTotal(undefined);
    setError(undefined);
    setLoading(true);
    if (!searching) {
      loadPage(0, gen);
      return;
    }
    api<MemoryPage>(`/api/memories/search${qs({ query: filters.query, mode: filters.mode, limit: SEARCH_LIMIT, ...filterParams(filters) })}`).then(
      (data) => {
        if (gen !== generationRef.current) return;
        setRows(data.results);
        setTotal(data.results.length);
        setLoading(false);
      },
      (e: Error) => {
        if (gen !== generationRef.current) return;
        setError(e.message);
        setLoading(false);
      },
    );
  }, [filters, searching, loadPage]);

  const count = total ?? rows.length;
  const onRange = useCallback(
    (first: number, last: number) => {
      if (!searching) for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) loadPage(p, generationRef.current);
    },
    [searching, loadPage],
  );

  const submit = (e: Event) => {
    e.preventDefault();
    setNotice(undefined);
    setFilters({ ...draft });
  };
  const reset = () => {
    setDraft(NO_FILTERS);
    setFilters(NO_FILTERS);
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onInput: (e: Event) => setDraft((d) => ({ ...d, [name]: (e.currentTarget as HTMLInputElement).value })),
  });

  const replaceRow = (id: string, change: Partial<MemorySummary> | null) =>
    setRows((prev) => {
      const at = prev.findIndex((m) => m?.id === id);
      if (at < 0) return prev;
      const next = prev.slice();
      // removing shifts the later rows by one, as the server's offsets shift: loaded pages stay right
      if (change === null) next.splice(at, 1);
      else next[at] = { ...prev[at]!, ...change };
      return next;
    });

  return (
    <>
      <h1 class="view-title">Memories</h1>
      <Panel title="Search and filter" id="mem-search">
        <form class="filters" role="search" onSubmit={submit}>
          <label class="field wide">
            Search text (empty: list every memory, newest first)
            <input type="search" name="query" {...field('query')} />
          </label>
          <fieldset class="wide">
            <legend class="muted">Search mode</legend>
            <div class="radio-row">
              {SEARCH_MODES.map((m) => (
                <label key={m}>
                  <input type="radio" name="mode" value={m} checked={draft.mode === m} onChange={() => setDraft((d) => ({ ...d, mode: m }))} />
                  {m}
                </label>
              ))}
            </div>
          </fieldset>
          <label class="field">
            Category
            <select name="category" {...field('category')}>
              <option value="">any</option>
              {MEMORY_CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
          <label class="field">
            Tags (comma-separated)
            <input name="tags" {...field('tags')} />
          </label>
          <label class="field">
            Importance at least
            <input name="min_importance" type="number" min="0" max="1" step="0.05" {...field('minImportance')} />
          </label>
          <label class="field">
            Created from
            <input name="since" type="date" {...field('since')} />
          </label>
          <label class="field">
            Created until
            <input name="until" type="date" {...field('until')} />
          </label>
          <div class="panel-actions">
            <button type="submit" class="primary">{draft.query.trim() ? 'Search' : 'Apply filters'}</button>
            <button type="button" onClick={reset}>Reset</button>
          </div>
        </form>
      </Panel>
      <Panel
        title={searching ? `Results for “${filters.query}” (${filters.mode})` : 'All memories'}
        id="mem-list"
        actions={<span class="muted" aria-live="polite">{loading ? 'Loading…' : `${count} ${searching ? (count === 1 ? 'result' : 'results') : count === 1 ? 'memory' : 'memories'}`}</span>}
      >
        <div aria-live="polite">{notice ? <p class="note ok">{notice}</p> : null}</div>
        <ErrorNote message={error} />
        {!loading && !error && count === 0 ? <Empty>{searching ? 'No memory matches this search.' : 'No memories match these filters.'}</Empty> : null}
        {count > 0 ? (
          <VirtualList
            count={count}
            rowHeight={rowHeight}
            label={searching ? 'Search results' : 'Memories'}
            onRange={onRange}
            row={(i) => {
              const m = rows[i];
              if (!m) return <div class="memory muted">Loading…</div>;
              return <MemoryRow memory={m} onEdit={() => setEditing(m)} onDelete={() => setDeleting(m)} />;
            }}
          />
        ) : null}
      </Panel>
      <EditDialog
        memory={editing}
        onClose={() => setEditing(undefined)}
        onSaved={(m, change) => {
          replaceRow(m.id, change);
          setEditing(undefined);
          setNotice('Memory saved.');
        }}
      />
      <DeleteDialog
        memory={deleting}
        onClose={() => setDeleting(undefined)}
        onDeleted={(m) => {
          replaceRow(m.id, null);
          setTotal((t) => (t === undefined ? t : t - 1));
          setDeleting(undefined);
          setNotice('Memory deleted.');
        }}
      />
    </>
  );
}

/** The memory's text as the list carries it: search results in full, list rows the first 300 characters. */
const shownContent = (m: MemorySummary): string => (m.content === undefined ? m.id : m.truncated ? `${m.content}…` : m.content);

function MemoryRow({ memory: m, onEdit, onDelete }: { memory: MemorySummary; onEdit: () => void; onDelete: () => void }) {
  const snippet = (m.content ?? m.id).slice(0, 60);
  return (
    <article class="memory" data-memory-id={m.id}>
      <p class="content">{shownContent(m)}</p>
      <div class="meta">
        <Badge tone="info">{m.category}</Badge>
        <span>importance {m.importance.toFixed(2)}</span>
        {m.score !== undefined ? <Badge tone="ok">score {score(m.score)}</Badge> : null}
        {m.tags.map((t) => <Badge key={t}>#{t}</Badge>)}
        <span>{shortDate(m.created_at)}</span>
      </div>
      <div class="row-actions">
        <button type="button" class="small" onClick={onEdit} aria-label={`Edit: ${snippet}`}>Edit</button>
        <button type="button" class="small danger" onClick={onDelete} aria-label={`Delete: ${snippet}`}>Delete</button>
      </div>
    </article>
  );
}

function EditDialog({ memory, onClose, onSaved }: {
  memory: MemorySummary | undefined;
  onClose: () => void;
  onSaved: (m: MemorySummary, change: Partial<MemorySummary>) => void;
}) {
  const [importance, setImportance] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!memory) return;
    setImportance(String(memory.importance));
    setTags(memory.tags.join(', '));
    setError(undefined);
  }, [memory]);
  const save = async (e: Event) => {
    e.preventDefault();
    if (!memory) return;
    const value = Number(importance);
    if (importance.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
      setError('Importance must be a number from 0 to 1.');
      return;
    }
    const list = tags.split(',').map((t) => t.trim()).filter(Boolean);
    setBusy(true);
    try {
      await api(`/api/memories/${encodeURIComponent(memory.id)}`, { method: 'PATCH', body: { importance: value, tags: list } });
      onSaved(memory, { importance: value, tags: list });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={memory !== undefined} title="Edit memory" onClose={onClose}>
      <form class="stack" onSubmit={save}>
        <p class="muted">{memory ? shownContent(memory) : null}</p>
        <label class="field">
          Importance (0 to 1)
          <input name="importance" type="number" min="0" max="1" step="0.05" value={importance} onInput={(e) => setImportance(e.currentTarget.value)} />
        </label>
        <label class="field">
          Tags (comma-separated; empty clears them)
          <input name="tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
        </label>
        <ErrorNote message={error} />
        <div class="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog({ memory, onClose, onDeleted }: {
  memory: MemorySummary | undefined;
  onClose: () => void;
  onDeleted: (m: MemorySummary) => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(undefined), [memory]);
  const confirm = async () => {
    if (!memory) return;
    setBusy(true);
    try {
      await api(`/api/memories/${encodeURIComponent(memory.id)}`, { method: 'DELETE' });
      onDeleted(memory);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const text = useMemo(() => (memory ? shownContent(memory) : ''), [memory]);
  return (
    <Dialog open={memory !== undefined} title="Delete this memory?" onClose={onClose}>
      <div class="stack">
        <p>“{text}”</p>
        <p class="muted">It is removed for good (a backup still holds it).</p>
        <ErrorNote message={error} />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} autofocus>Cancel</button>
          <button type="button" class="danger primary" onClick={confirm} disabled={busy}>{busy ? 'Deleting…' : 'Delete'}</button>
        </div>
      </div>
    </Dialog>
  );
}
