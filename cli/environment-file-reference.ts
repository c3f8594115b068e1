import { environmentJsonSchema } from '../src/config/json-schema';

/** Where the generated field reference sits in docs/environment-file.md. */
export const ENVIRONMENT_FILE_MARKERS = ['<!-- environment-file:start (npm run schema) -->', '<!-- environment-file:end -->'] as const;

type Schema = Record<string, any>;

/** A schema's own object fields, or none. */
const fieldsOf = (s: Schema): Array<[string, Schema]> => Object.entries((s.properties ?? {}) as Record<string, Schema>);
const isObject = (s: Schema) => s.type === 'object' && s.properties !== undefined;
/** The field whose `const` tells the variants of a union of objects apart (`type` of backend, `kind` of workload). */
function discriminator(s: Schema): string | undefined {
  const variants = (s.anyOf ?? []) as Schema[];
  if (variants.length < 2 || !variants.every(isObject)) return undefined;
  return fieldsOf(variants[0]!).find(([key]) => variants.every((v) => v.properties[key]?.const !== undefined))?.[0];
}
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const code = (value: unknown) => `\`${JSON.stringify(value)}\``;
const or = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/** What a value of the schema is, in words. */
function typeOf(s: Schema): string {
  if (s.not) return 'refused (removed)';
  const key = discriminator(s);
  if (key) return `object with \`${key}\` ${or(s.anyOf.map((v: Schema) => code(v.properties[key].const)))} (below)`;
  if (s.anyOf) return or(s.anyOf.map(typeOf));
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.length > 8 && s.enum.every((e: unknown) => typeof e === 'string' && REGION.test(e)) ? `AWS region (one of ${s.enum.length})` : or(s.enum.map(code));
  const limits: string[] = [];
  if (s.minItems !== undefined) limits.push(`at least ${s.minItems}`);
  if (s.pattern !== undefined) limits.push(`matching \`${s.pattern}\``);
  if (s.minLength === 1 && s.maxLength === undefined) limits.push('not empty');
  else if (s.minLength !== undefined || s.maxLength !== undefined) limits.push(`${s.minLength ?? 0} to ${s.maxLength ?? 'any'} characters`);
  if (s.minimum !== undefined) limits.push(`at least ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) limits.push(`at most ${s.maximum}`);
  const base = s.type === 'array' ? `list of ${typeOf(s.items ?? {})}` : s.type === 'object' ? (isObject(s) ? 'object (below)' : 'object') : (s.type ?? 'any');
  return limits.length ? `${base}, ${limits.join(', ')}` : base;
}

/** Table cell text: no line breaks, pipes escaped, HTML-looking text outside code spans escaped. */
const cell = (text: string) =>
  text
    .replace(/\s*\n\s*/g, ' ')
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`')
    .replace(/\|/g, '\\|');

interface Section {
  readonly title: string;
  readonly description?: string;
  readonly rows: string[];
}

/** One section per object of the schema (a union's variants each their own), depth first, in the schema's order. */
function sections(s: Schema, path: string, title: string, description: string | undefined, out: Section[]): void {
  const section: Section = { title, description, rows: [] };
  out.push(section);
  const required = new Set<string>(s.required ?? []);
  const nested: Array<() => void> = [];
  for (const [key, field] of fieldsOf(s)) {
    const name = path ? `${path}.${key}` : key;
    const defaults = field.default === undefined ? '' : code(field.default);
    section.rows.push(`| \`${name}\` | ${cell(typeOf(field))} | ${required.has(key) ? 'yes' : ''} | ${cell(defaults)} | ${cell(field.description ?? '')} |`);
    const tag = discriminator(field);
    if (tag) {
      for (const variant of field.anyOf as Schema[]) nested.push(() => sections(variant, name, `\`${name}\` with \`${tag}\` ${code(variant.properties[tag].const)}`, undefined, out));
    } else if (isObject(field)) nested.push(() => sections(field, name, `\`${name}\``, field.description, out));
    else if (field.type === 'array' && isObject(field.items ?? {})) nested.push(() => sections(field.items, `${name}[]`, `\`${name}[]\`, each item`, field.description, out));
  }
  for (const next of nested) next();
}

/** Every field of the environment file as Markdown tables: field, type, required, default, description. */
export function environmentFileReference(schema: Schema = environmentJsonSchema()): string {
  const out: Section[] = [];
  sections(schema, '', 'Top level', schema.description, out);
  return out
    .map((s) =>
      [`### ${s.title}`, '', ...(s.description ? [cell(s.description), ''] : []), '| field | type | required | default | description |', '|---|---|---|---|---|', ...s.rows].join('\n'),
    )
    .join('\n\n');
}

/** docs/environment-file.md with the field reference regenerated from the schema. */
export function withEnvironmentFileReference(doc: string, reference = environmentFileReference()): string {
  const [start, end] = ENVIRONMENT_FILE_MARKERS;
  const [from, to] = [doc.indexOf(start), doc.indexOf(end)];
  if (from < 0 || to < from) throw new Error(`docs/environment-file.md lacks the markers ${start} ... ${end}`);
  return `${doc.slice(0, from + start.length)}\n${reference}\n${doc.slice(to)}`;
}
