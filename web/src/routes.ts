// The views, each at its own #/address so a link, Back and a reload all land on the same view.
export const ROUTES = [
  { path: 'memories', title: 'Memories' },
  { path: 'learning', title: 'Learning' },
  { path: 'code', title: 'Code and git' },
  { path: 'tasks', title: 'Tasks' },
  { path: 'backups', title: 'Backups and health' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

export function currentRoute(): RoutePath {
  const want = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROUTES.find((r) => r.path === want)?.path ?? 'memories';
}
