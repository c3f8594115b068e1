import { z } from 'zod';
import { DEFAULT_WORKLOAD_KIND, environmentSchema } from './schema';

type JsonSchema = { properties?: Record<string, JsonSchema>; required?: string[]; anyOf?: JsonSchema[]; const?: unknown; default?: unknown };

/**
 * JSON Schema of an environment file as written (defaults optional), for editors' completion and checks. A workload
 * may leave `kind` out (the schema's preprocess fills it in, which zod's JSON Schema cannot say): its branch of the
 * union does not require it.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema & Record<string, unknown>;
  const branch = schema.properties?.workload?.anyOf?.find((b) => b.properties?.kind?.const === DEFAULT_WORKLOAD_KIND);
  if (!branch?.properties?.kind) throw new Error(`the workload schema has no "${DEFAULT_WORKLOAD_KIND}" branch to make the default kind of`);
  branch.required = branch.required?.filter((field) => field !== 'kind');
  branch.properties.kind.default = DEFAULT_WORKLOAD_KIND;
  return {
    ...schema,
    title: 'cross-account-pipeline environment',
    description: 'One environment of the delivery pipeline: tooling account, source, workload and ordered stages.',
  };
}
