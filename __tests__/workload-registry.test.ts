import { readFileSync } from 'node:fs';
import { environmentSchema } from '../src/config/schema';
import { planDifferences } from '../src/plan/plan-diff';
import { WORKLOAD_KINDS } from '../src/workloads/registry';

/** The kinds the environment schema accepts, read from its discriminated union. */
function schemaKinds(): string[] {
  const workload = (environmentSchema.shape.workload._zod.def as { out: { _zod: { def: { options: Array<{ shape: { kind: { _zod: { def: { values: string[] } } } } }> } } } }).out;
  return workload._zod.def.options.flatMap((o) => o.shape.kind._zod.def.values).sort();
}

describe('workload kinds', () => {
  it('registers a module for every kind the environment files accept, and nothing else', () => {
    expect(Object.keys(WORKLOAD_KINDS).sort()).toEqual(schemaKinds());
    for (const [name, module] of Object.entries(WORKLOAD_KINDS)) expect(module.kind).toBe(name);
  });

  // The interface file lists the parts; a module missing one (or a part added to the interface but not to every
  // module) fails here as well as in the type check.
  it('gives every registered kind every part of the interface', () => {
    const parts = [...readFileSync('src/workloads/workload-kind.ts', 'utf8').matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]!);
    const interfaceParts = parts.slice(parts.indexOf('kind'));
    expect(interfaceParts).toEqual(expect.arrayContaining(['waveActions', 'policies', 'smokeCheckPolicy', 'storeReaders', 'imagePuller', 'taskRoles', 'checks', 'fileChecks']));
    for (const [name, module] of Object.entries(WORKLOAD_KINDS)) {
      expect({ name, missing: interfaceParts.filter((p) => !(p in module)) }).toEqual({ name, missing: [] });
    }
  });

  it('keeps branching on the kind inside the registry', () => {
    const { execSync } = require('node:child_process') as typeof import('node:child_process');
    const hits = execSync("grep -rn \"workload.kind ===\\|workload.kind !==\\|kind === 'lambda-container'\\|kind === 'ecs-service'\\|kind === 'cloudformation'\" src stacks || true", { encoding: 'utf8' }).trim();
    expect(hits).toBe('');
  });
});

describe('plan differences', () => {
  it('ignores cdktf metadata and names each changed path', () => {
    const before = { '//': { a: 1 }, resource: { x: { y: { '//': 'path-a', n: 1, list: [1, 2] } } } };
    const after = { '//': { a: 2 }, resource: { x: { y: { '//': 'path-b', n: 2, list: [1] } } } };
    expect(planDifferences(before, before)).toEqual([]);
    expect(planDifferences(before, { ...before, '//': 'other' })).toEqual([]);
    expect(planDifferences(before, after)).toEqual(['resource.x.y.list[1]: removed', 'resource.x.y.n: 1 -> 2']);
    expect(planDifferences(undefined, after)).toEqual(['(stack): added']);
  });
});
