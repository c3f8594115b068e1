import { z } from 'zod';
import { environmentSchema } from './schema';

/** JSON Schema of an environment file as written (defaults optional), for editors' completion and checks. */
export function environmentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(environmentSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'cross-account-pipeline environment',
    description: 'One environment of the delivery pipeline: tooling account, source, workload and ordered stages.',
  };
}
