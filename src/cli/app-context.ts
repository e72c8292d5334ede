/** @module How CLI actions get configuration and an App: loaded lazily, closed after the command. */
import type { App, CreateAppOptions } from '../app.js';
import type { CalmConfig } from '../config.js';

export async function cliConfig(): Promise<CalmConfig> {
  const { loadConfig } = await import('../config.js');
  return loadConfig(process.env);
}

export async function withApp<T>(fn: (app: App) => Promise<T>, options: CreateAppOptions = { requireInitialized: true }): Promise<T> {
  const { createApp } = await import('../app.js');
  const app = createApp(await cliConfig(), options);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
