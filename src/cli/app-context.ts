/** @module How CLI actions get configuration and an App: loaded lazily, closed after the command. */
import type { App, CreateAppOptions } from '../app.js';
import type { AppSettings } from '../app-settings.js';
import type { CalmConfig } from '../config.js';

/** The CLI's configuration: this process's environment, or another one (the demo's throwaway home). */
export async function cliConfig(env: NodeJS.ProcessEnv = process.env): Promise<CalmConfig> {
  const { loadConfig } = await import('../config.js');
  return loadConfig(env);
}

/** The settings services are handed, for commands that work without an App (backups, migrate, init). */
export async function cliSettings(env: NodeJS.ProcessEnv = process.env): Promise<AppSettings> {
  const { createAppSettings } = await import('../app-settings.js');
  return createAppSettings(await cliConfig(env));
}

export async function withApp<T>(
  fn: (app: App) => Promise<T>,
  options: CreateAppOptions = { requireInitialized: true },
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const { createApp } = await import('../app.js');
  const app = createApp(await cliConfig(env), options);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
