import { Component, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized } from './api';
import { currentRoute, ROUTES, type RoutePath } from './routes';
import { BackupsView } from './views/backups';
import { CodeView } from './views/code';
import { LearningView } from './views/learning';
import { MemoriesView } from './views/memories';
import { TasksView } from './views/tasks';

const VIEWS: Record<RoutePath, () => preact.JSX.Element> = {
  memories: MemoriesView,
  learning: LearningView,
  code: CodeView,
  tasks: TasksView,
  backups: BackupsView,
};

/** A view that throws shows what went wrong instead of a blank page. */
class ViewBoundary extends Component<{ children: ComponentChildren; view: string }, { error?: string }> {
  override state: { error?: string } = {};
  static override getDerivedStateFromError(e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  override componentDidUpdate(prev: { view: string }) {
    if (prev.view !== this.props.view && this.state.error) this.setState({ error: undefined });
  }
  override render() {
    if (this.state.error) {
      return (
        <p class="note error" role="alert">
          This view failed to draw: {this.state.error}. Reload the page; if it keeps failing, run <code>calm doctor</code>.
        </p>
      );
    }
    return this.props.children;
  }
}

export function App() {
  const [route, setRoute] = useState<RoutePath>(currentRoute());
  const [authError, setAuthError] = useState<string>();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    const onHash = () => {
      setRoute(currentRoute());
      // a keyboard user lands at the new view's heading, not back at the top of the navigation
      main.current?.focus();
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => onUnauthorized(setAuthError), []);
  useEffect(() => {
    document.title = `${ROUTES.find((r) => r.path === route)!.title} · calm dashboard`;
  }, [route]);
  const View = VIEWS[route];
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">calm</span>
        <nav aria-label="Views">
          <ul>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <a href={`#/${r.path}`} aria-current={r.path === route ? 'page' : undefined}>{r.title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {authError ? <p class="note error" role="alert">{authError}</p> : null}
        <ViewBoundary view={route}>
          <View key={route} />
        </ViewBoundary>
      </main>
    </>
  );
}
