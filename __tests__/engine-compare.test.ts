import { bindingChanges, compareStacks, differences, fullSourceAddress } from '../src/engine/compare';
import { synth } from './support';

// Testing.synth leaves out the metadata block a real synth writes: put it back as the CDKTF CLI writes it.
const json = { '//': { metadata: { version: '0.21.0', stackName: 'example', backend: 'local' } }, ...synth().json };
const copy = () => JSON.parse(JSON.stringify(json));

describe('comparing the stacks of two engines', () => {
  it("fills in a provider source address as Terraform does (hostname registry.terraform.io, namespace hashicorp for a type alone)", () => {
    expect(fullSourceAddress('aws')).toBe('registry.terraform.io/hashicorp/aws');
    expect(fullSourceAddress('hashicorp/aws')).toBe('registry.terraform.io/hashicorp/aws');
    expect(fullSourceAddress('example.com/acme/aws')).toBe('example.com/acme/aws');
  });

  it('names what an engine switch changes and finds nothing else in the same plan', () => {
    const other = copy();
    other['//'].metadata.version = '0.24.0';
    other.terraform.required_providers.aws = { ...other.terraform.required_providers.aws, source: 'hashicorp/aws', version: '6.66.0' };
    const { expected, real } = compareStacks(json, other);
    expect(real).toEqual([]);
    expect(expected.map((e) => e.path).sort()).toEqual(['//.metadata.version', 'terraform.required_providers.aws.source', 'terraform.required_providers.aws.version']);
  });

  it('reports a changed argument, a resource more, a provider from elsewhere as real differences', () => {
    const other = copy();
    const [bucket] = Object.keys(other.resource.aws_s3_bucket);
    other.resource.aws_s3_bucket[bucket!].force_destroy = !other.resource.aws_s3_bucket[bucket!].force_destroy;
    other.resource.aws_s3_bucket.extra = { bucket: 'x' };
    other.terraform.required_providers.aws.source = 'acme/aws';
    const paths = compareStacks(json, other).real.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining([`resource.aws_s3_bucket.${bucket}.force_destroy`, 'resource.aws_s3_bucket.extra', 'terraform.required_providers.aws.source']));
  });

  it('counts a list of another length as one difference at the list', () => {
    expect(differences({ a: [1, 2] }, { a: [1, 2, 3] })).toEqual([{ path: 'a', cdktf: '2 items', cdktn: '3 items' }]);
    expect(differences({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toEqual([{ path: 'a[1].b', cdktf: 2, cdktn: 3 }]);
  });
});

describe('what newer bindings change in the arguments we could set', () => {
  const declarations = (config: string[], block: string[]) =>
    [
      'export interface WidgetConfig extends cdktf.TerraformMetaArguments {',
      ...config.map((a) => `    readonly ${a}?: string;`),
      '}',
      'export interface WidgetTimeouts {',
      ...block.map((a) => `    readonly ${a}: string;`),
      '}',
    ].join('\n');

  it('lists added and removed arguments per interface, the resource and its blocks', () => {
    const changes = bindingChanges([{ module: 'lib/widget', cdktf: declarations(['name', 'size'], ['create']), cdktn: declarations(['name', 'colour'], ['create', 'delete']).replaceAll('cdktf.', 'cdktn.') }]);
    expect(changes).toEqual([
      { module: 'lib/widget', type: 'WidgetConfig', added: ['colour'], removed: ['size'] },
      { module: 'lib/widget', type: 'WidgetTimeouts', added: ['delete'], removed: [] },
    ]);
  });

  it('fails rather than report nothing when it cannot read the declarations', () => {
    expect(() => bindingChanges([{ module: 'lib/widget', cdktf: 'export declare class Widget {}', cdktn: '' }])).toThrow(/no interface found/);
  });
});
