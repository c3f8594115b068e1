import { readFileSync } from 'node:fs';
import { shippedSecurityModel, withSecurityModel } from '../cli/security-model-readme';
import { securityModelTable } from '../src/verify/security-model';
import type { Verification } from '../src/verify';

const path = (expect: 'allow' | 'deny', principal: string, why: string) => ({ expect, principal, why, action: 'x:Y', resource: '*', decision: 'Allowed' as const, ok: true });

describe('the security model of docs/security.md', () => {
  let model: Awaited<ReturnType<typeof shippedSecurityModel>>;
  beforeAll(async () => {
    model = await shippedSecurityModel();
  });
  const facts = () => model.facts.split('\n');

  it('is the table verify proves and the facts the plans hold, on every shipped environment (run `npm run security-model` after a change)', () => {
    const doc = readFileSync('docs/security.md', 'utf8');
    expect(doc).toEqual(withSecurityModel(doc, model));
  });

  // The prose of docs/security.md ("Security defaults" and the sections after it), held to the facts.
  it('has only the pipeline and build roles write artifacts, and the build only in the pipeline region', () => {
    expect(facts().filter((f) => f.includes('written'))).toEqual([
      '- artifact store of another region: written only by `pipeline` (every shipped environment)',
      '- artifact store of the pipeline region: written only by `build`, `pipeline` (every shipped environment)',
    ]);
  });

  it('uses Resource "*" only for actions without resource-level permissions', () => {
    // Service Authorization Reference: these actions list no resource type, so "*" is the only Resource IAM matches.
    const NO_RESOURCE_LEVEL = ['ecr:GetAuthorizationToken', 'ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'codepipeline:PutJobFailureResult', 'codepipeline:PutJobSuccessResult'];
    const star = facts().filter((f) => f.includes('`Resource: "*"`'));
    expect(star.length).toBeGreaterThan(0);
    for (const fact of star) for (const action of /\(([^)]*)\) \(/.exec(fact)![1]!.split(', ')) expect({ fact, action, noResourceLevel: NO_RESOURCE_LEVEL.includes(action) }).toMatchObject({ noResourceLevel: true });
  });

  it('lets only the deploy role act before an approval, and only to prepare change sets', () => {
    expect(facts().filter((f) => f.includes('before the approval'))).toEqual([
      '- before the approval of a stage: `deploy` (CloudFormation CHANGE_SET_REPLACE) (example, example-cfn, example-cloud, example-s3)',
    ]);
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

  it('refuses a page without the markers', () => {
    expect(() => withSecurityModel('# no table', { table: 'x', facts: 'y' })).toThrow(/lacks the markers/);
  });
});
