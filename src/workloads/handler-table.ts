import type { HandlerTableEntry } from './cloudformation-template';

const HANDLERS = ['create', 'read', 'update', 'delete', 'list'] as const;

/** The table entry of one CloudFormation registry schema: its type name and its handlers' permissions, verbatim. */
export function handlerTableEntry(schema: unknown, source: string): [string, HandlerTableEntry] {
  const s = schema as { typeName?: unknown; handlers?: Record<string, { permissions?: unknown }> };
  if (typeof s?.typeName !== 'string' || !/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(s.typeName)) {
    throw new Error(`${source}: not a resource schema (no typeName such as "AWS::SQS::Queue")`);
  }
  if (!s.handlers || typeof s.handlers !== 'object') throw new Error(`${source}: ${s.typeName} declares no handlers`);
  const handlers: Record<string, string[]> = {};
  for (const name of HANDLERS) {
    const permissions = s.handlers[name]?.permissions;
    if (permissions === undefined) continue;
    if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string')) {
      throw new Error(`${source}: handlers.${name}.permissions of ${s.typeName} is not a list of actions`);
    }
    handlers[name] = permissions;
  }
  return [s.typeName, { source, handlers }];
}
