import { readFileSync } from 'node:fs';
import { shippedSecurityModel, withSecurityModel } from '../cli/security-model-readme';
import { securityModelTable } from '../src/verify/security-model';
import type { Verification } from '../src/verify';

const path = (expect: 'allow' | 'deny', principal: string, why: string) => ({ expect, principal, why, action: 'x:Y', resource: '*', decision: 'Allowed' as const, ok: true });

describe('README security model', () => {
  it('is the table verify proves on every shipped environment (run `npm run security-model` after a change)', async () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toEqual(withSecurityModel(readme, await shippedSecurityModel()));
  });

  it('groups paths by kind of principal, hides accounts and deployments, and lists shared denials once', () => {
    const v = {
      name: 'e',
      rules: [],
      ok: true,
      access: [
        path('allow', 'role w-e-deploy (222222222222)', 'action role of 222222222222-eu-west-1-prepare: read artifacts'),
        path('allow', 'role w-e-deploy (333333333333)', 'action role of 333333333333-us-east-1-prepare: read artifacts'),
        path('deny', 'role w-e-deploy (222222222222)', 'no role creates keys'),
        path('deny', 'role w-e-pipeline (111111111111)', 'no role creates keys'),
        path('deny', 'role w-e-deploy (333333333333)', 'a role of target account 333333333333 cannot replace the eu-west-1 artifacts'),
      ],
    } as unknown as Verification;
    expect(securityModelTable([{ verification: v, props: { tooling: '111111111111', prefix: 'w-e' } }]).split('\n')).toEqual([
      '| who | proved allowed | proved denied |',
      '|---|---|---|',
      "| role `deploy` (each target) | action role: read artifacts | a role of a target account cannot replace any region's artifacts |",
      '| role `pipeline` (tooling) | - | - |',
      '| every role above | - | no role creates keys |',
    ]);
  });

  it('refuses a README without the markers', () => {
    expect(() => withSecurityModel('# no table', 'x')).toThrow(/lacks the markers/);
  });
});
