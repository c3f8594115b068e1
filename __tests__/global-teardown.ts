/** jest's globalTeardown: removes the run's folder (global-setup.ts). */
import { rmSync } from 'node:fs';
import { RUN_FOLDER_VARIABLE } from './run-shared';

export default async function globalTeardown(): Promise<void> {
  const folder = process.env[RUN_FOLDER_VARIABLE];
  if (folder) rmSync(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
