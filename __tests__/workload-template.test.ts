/**
 * The container Lambda template (lambda-src/template.yaml) and the pipeline that deploys it agree: every
 * parameter without a default is passed by the change-set actions, and the function's role carries the
 * permissions boundary the execution role is limited to.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { single, synth } from './support';

type Json = Record<string, any>;
// CloudFormation's short-form intrinsics, kept as their long form.
const customTags = ['Ref', 'Sub', 'GetAtt'].map((name) => ({ tag: `!${name}`, resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }) }));
const template: Json = parse(readFileSync('lambda-src/template.yaml', 'utf8'), { customTags });
const { json } = synth();

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
      expect(overrides.PermissionsBoundary).toBe(`arn:aws:iam::${account}:policy/orders-api-example-workload-boundary`);
      expect(overrides.PermissionsBoundary).toMatch(new RegExp(template.Parameters.PermissionsBoundary.AllowedPattern));
    }
  });

  it('bounds the function role with that parameter, and the boundary exists in every target account', () => {
    expect(template.Resources.FunctionRole.Properties.PermissionsBoundary).toEqual({ Ref: 'PermissionsBoundary' });
    const boundaries = Object.values<Json>(json.resource.aws_iam_policy ?? {}).map((p) => p.name);
    expect(boundaries).toEqual(['orders-api-example-workload-boundary', 'orders-api-example-workload-boundary', 'orders-api-example-workload-boundary']);
  });
});
