import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { environmentFileReference, withEnvironmentFileReference } from '../cli/environment-file-reference';
import { environmentJsonSchema } from '../src/config/json-schema';

type Schema = Record<string, any>;
const pages = ['README.md', 'CONTRIBUTING.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** A Markdown file's text outside code fences and inline code, where links are links. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

describe('the docs', () => {
  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of prose(readFileSync(page, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split('#');
        const path = file ? normalize(join(dirname(page), file)) : page;
        if (!existsSync(path)) broken.push(`${page}: ${target} (no file ${path})`);
        else if (anchor && path.endsWith('.md') && !anchors(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${path})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keep the README short, and the README links every page of docs/', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.trimEnd().split('\n').length).toBeLessThan(250);
    const linked = new Set([...prose(readme).matchAll(/\]\((docs\/[^)#\s]+\.md)/g)].map((m) => m[1]));
    expect(pages.filter((p) => p.startsWith('docs/') && !linked.has(p))).toEqual([]);
  });
});

describe('docs/environment-file.md', () => {
  const doc = readFileSync('docs/environment-file.md', 'utf8');

  it('holds the field reference the schema makes (run `npm run schema` after changing the schema)', () => {
    expect(doc).toEqual(withEnvironmentFileReference(doc));
  });

  it('has a row for every field of the JSON schema, nested ones and those of each variant included', () => {
    const fields = new Set<string>();
    const walk = (s: Schema, path: string) => {
      for (const [key, field] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
        const name = path ? `${path}.${key}` : key;
        fields.add(name);
        walk(field, name);
        for (const variant of field.anyOf ?? []) walk(variant, name);
        if (field.items) walk(field.items, `${name}[]`);
      }
    };
    walk(environmentJsonSchema(), '');
    expect(fields.size).toBeGreaterThan(50);
    expect([...fields].filter((f) => !doc.includes(`| \`${f}\` |`))).toEqual([]);
  });

  it('says what each field is, from the schema', () => {
    const reference = environmentFileReference();
    expect(reference).toContain('| `stages[].approval` | boolean |  | `false` | Stop for a manual approval before this stage changes anything. Default: false. |');
    expect(reference).toMatch(/^\| `tooling\.region` \| AWS region \(one of \d+\) \| yes \|/m);
    expect(reference).toContain('### `backend` with `type` `"s3"`');
    // A pipe inside a pattern would end the table cell.
    expect(reference).toContain('`^arn:aws:(codestar-connections\\|codeconnections):');
  });
});
