/**
 * The container Lambda template (lambda-src/template.yaml) and the pipeline that deploys it agree: every
 * parameter without a default is passed by the change-set actions, and the function's role carries the
 * permissions boundary the execution role is limited to.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { boundaryPolicies } from '../src/ci/setup';
import { single, synth } from './support';

type Json = Record<string, any>;
// CloudFormation's short-form intrinsics, kept as their long form.
const customTags = ['Ref', 'Sub', 'GetAtt'].map((name) => ({ tag: `!${name}`, resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }) }));
const template: Json = parse(readFileSync('lambda-src/template.yaml', 'utf8'), { customTags });
const { json, config } = synth();

describe('the container Lambda template', () => {
  it('gets every parameter it needs from each change-set action, the boundary among them', () => {
    const required = Object.entries<Json>(template.Parameters).filter(([, p]) => p.Default === undefined).map(([name]) => name).sort();
    expect(required).toEqual(['ImageUri', 'PermissionsBoundary', 'Stage']);
    const prepares = single(json, 'aws_codepipeline').stage.flatMap((s: Json) => s.action).filter((a: Json) => a.configuration?.ActionMode === 'CHANGE_SET_REPLACE');
    expect(prepares.length).toBeGreaterThan(0);
    for (const action of prepares) {
      const overrides = JSON.parse(action.configuration.ParameterOverrides);
      expect(Object.keys(overrides).sort()).toEqual(required);
      const account = String(action.configuration.RoleArn).split(':')[4];
      expect(overrides.PermissionsBoundary).toBe(`arn:aws:iam::${account}:policy/terraform-workload-boundary-orders-api-example`);
      expect(overrides.PermissionsBoundary).toMatch(new RegExp(template.Parameters.PermissionsBoundary.AllowedPattern));
    }
  });

  it('bounds the function role with that parameter, and ci-setup writes the boundary in every account a change set runs in', () => {
    expect(template.Resources.FunctionRole.Properties.PermissionsBoundary).toEqual({ Ref: 'PermissionsBoundary' });
    // The stack only names the boundary: a policy it could change would be no boundary for its own roles.
    expect(Object.values<Json>(json.resource.aws_iam_policy ?? {}).map((p) => p.name)).not.toContain('terraform-workload-boundary-orders-api-example');
    const passed = new Set(
      single(json, 'aws_codepipeline')
        .stage.flatMap((s: Json) => s.action)
        .filter((a: Json) => a.configuration?.ActionMode === 'CHANGE_SET_REPLACE')
        .map((a: Json) => JSON.parse(a.configuration.ParameterOverrides).PermissionsBoundary),
    );
    const written = new Set(boundaryPolicies(config).filter((p) => p.name === 'terraform-workload-boundary-orders-api-example').map((p) => `arn:aws:iam::${p.account}:policy/${p.name}`));
    expect(passed.size).toBe(3);
    expect(written).toEqual(passed);
  });
});
