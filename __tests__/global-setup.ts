/**
 * jest's globalSetup: the run's folder, through which the test files of the run share what each would otherwise
 * find or prepare on its own (run-shared.ts: the provider source and one terraform init, the AWS CLI v2). It is
 * handed to the workers in their environment (they start after this); what goes in it is made by the first file
 * that needs it, so a run of files that need none of it pays nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FOLDER_VARIABLE } from './run-shared';

export default async function globalSetup(): Promise<void> {
  process.env[RUN_FOLDER_VARIABLE] = mkdtempSync(join(tmpdir(), 'cap-test-run-'));
}
