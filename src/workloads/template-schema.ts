/**
 * A CloudFormation template judged by AWS's published resource schemas, as the AWS CDK ships them in
 * `@aws-cdk/aws-service-spec` (pinned in package.json; its db.json.gz is built from the CloudFormation registry
 * schemas of every region): resource types exist, property names, types, required properties and allowed values
 * match, and intrinsic functions are well formed and name what the template declares (CloudFormation User
 * Guide, "Intrinsic function reference" and "Pseudo parameters reference").
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { closest } from 'fastest-levenshtein';
import { LineCounter, parseDocument, type CollectionTag, type Document, type ScalarTag } from 'yaml';
import { lineOf } from './yaml-lines';

type Body = Record<string, any>;

interface SpecType {
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'json' | 'ref' | 'map' | 'array' | 'union' | 'tag' | 'date-time' | 'null';
  readonly element?: SpecType;
  readonly types?: SpecType[];
  readonly reference?: { $ref: string };
  readonly allowedValues?: string[];
}
interface SpecProperty {
  readonly type: SpecType;
  readonly required?: boolean;
}
interface SpecShape {
  readonly properties: Record<string, SpecProperty>;
  readonly attributes?: Record<string, unknown>;
}

export interface TemplateIssue {
  readonly line: number;
  readonly message: string;
}

let spec: { resources: Map<string, SpecShape>; types: Map<string, SpecShape> } | undefined;
/** The service spec, read once (about 0.3 s). */
function serviceSpec() {
  if (!spec) {
    const db = JSON.parse(gunzipSync(readFileSync(require.resolve('@aws-cdk/aws-service-spec/db.json.gz'))).toString('utf8')).schema;
    spec = {
      resources: new Map((db.resource.entities as Body[]).map((e) => [e.cloudFormationType, e as SpecShape])),
      types: new Map((db.typeDefinition.entities as Body[]).map((e) => [e.$id, e as SpecShape])),
    };
  }
  return spec;
}

/** The short-form functions and the long form each stands for ("Intrinsic function reference"). */
const SHORT_FORMS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'FindInMap', 'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'If', 'Equals', 'And', 'Or', 'Not', 'Condition', 'Transform', 'ToJsonString', 'Length'];
const longName = (short: string) => (short === 'Ref' || short === 'Condition' ? short : `Fn::${short}`);
const FUNCTIONS = new Set(SHORT_FORMS.map(longName));
const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

const tags: Array<ScalarTag | CollectionTag> = SHORT_FORMS.flatMap((short) => {
  const wrap = (value: unknown) => ({ [longName(short)]: short === 'GetAtt' && typeof value === 'string' ? value.split(/\.(.*)/s).slice(0, 2) : value });
  return [
    { tag: `!${short}`, resolve: (value: string) => wrap(value) } as ScalarTag,
    { tag: `!${short}`, collection: 'seq', resolve: (seq: any) => wrap(seq.toJSON()) } as CollectionTag,
    { tag: `!${short}`, collection: 'map', resolve: (map: any) => wrap(map.toJSON()) } as CollectionTag,
  ];
});

function parse(text: string): { doc: Document; template: Body; line: (path: Array<string | number>) => number } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { customTags: tags, lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) throw Object.assign(new Error(doc.errors[0]!.message), { line: doc.errors[0]!.linePos?.[0]?.line ?? 1 });
  const line = (path: Array<string | number>) => lineOf(doc, lines, path);
  return { doc, template: (doc.toJS() ?? {}) as Body, line };
}

export interface TemplateParameter {
  readonly hasDefault: boolean;
  /** `AllowedPattern`: the whole value must match it (CloudFormation User Guide, "Parameters"). */
  readonly allowedPattern?: string;
  readonly allowedValues?: readonly string[];
}

/** The template's parameters: whether each has a default, and the values it allows. */
export function templateParameters(text: string): Record<string, TemplateParameter> {
  const { template } = parse(text);
  return Object.fromEntries(
    Object.entries((template.Parameters ?? {}) as Body).map(([name, p]) => [
      name,
      { hasDefault: p?.Default !== undefined, allowedPattern: p?.AllowedPattern, allowedValues: p?.AllowedValues?.map(String) },
    ]),
  );
}

/** Every issue of the template against the resource schemas, each with its line. */
export function checkTemplate(text: string): TemplateIssue[] {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text);
  } catch (err) {
    return [{ line: (err as { line?: number }).line ?? 1, message: (err as Error).message }];
  }
  const { template, line } = parsed;
  const issues: TemplateIssue[] = [];
  const issue = (path: Array<string | number>, message: string): void => {
    issues.push({ line: line(path), message });
  };
  const resources = (template.Resources ?? {}) as Body;
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  if (!template.Resources || typeof template.Resources !== 'object') issue([], 'the template has no Resources section');
  const { resources: types } = serviceSpec();

  const checkIntrinsic = (path: Array<string | number>, name: string, args: unknown) => {
    if (!FUNCTIONS.has(name)) return issue(path, `${name} is not an intrinsic function`);
    if (name === 'Ref') {
      if (typeof args !== 'string' || !(parameters.has(args) || args in resources || PSEUDO_PARAMETERS.has(args))) issue(path, `Ref ${JSON.stringify(args)} names no parameter, resource or pseudo parameter of the template`);
    } else if (name === 'Fn::GetAtt') {
      const [target, attribute] = Array.isArray(args) ? args : [];
      const type = resources[target as string]?.Type as string | undefined;
      if (typeof target !== 'string' || typeof attribute !== 'string' || !type) return issue(path, `Fn::GetAtt ${JSON.stringify(args)} must name a resource of the template and an attribute`);
      const attributes = types.get(type)?.attributes;
      if (attributes && !(attribute in attributes)) issue(path, `Fn::GetAtt ${target}.${attribute}: ${type} has no attribute ${attribute} (it has ${Object.keys(attributes).join(', ')})`);
    } else if (name === 'Fn::Sub') {
      const [format, variables] = Array.isArray(args) ? args : [args, {}];
      if (typeof format !== 'string') return issue(path, 'Fn::Sub takes a string, or [string, {variables}]');
      for (const m of format.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const [target, attribute] = m[1]!.split(/\.(.*)/s);
        if (variables && target! in variables) continue;
        if (attribute === undefined ? !(parameters.has(target!) || target! in resources || PSEUDO_PARAMETERS.has(target!)) : !(target! in resources)) {
          issue(path, `Fn::Sub \${${m[1]}} names nothing the template declares`);
        }
      }
    }
  };

  /** Checks a value against a schema type; intrinsic functions stand for a value of any type. */
  const checkValue = (path: Array<string | number>, value: unknown, type: SpecType, label: string): void => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition')) return checkIntrinsic([...path, keys[0]!], keys[0]!, (value as Body)[keys[0]!]);
    }
    const wrong = (want: string) => issue(path, `${label} must be ${want}, got ${JSON.stringify(value)?.slice(0, 60)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value === 'object') return wrong('a string');
        if (type.allowedValues && !type.allowedValues.includes(String(value))) issue(path, `${label} must be one of ${type.allowedValues.join(', ')}, got ${JSON.stringify(value)}`);
        return;
      case 'integer':
      case 'number':
        if (!(typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) || (type.type === 'integer' && !Number.isInteger(Number(value)))) wrong(`a${type.type === 'integer' ? 'n integer' : ' number'}`);
        return;
      case 'boolean':
        if (!(typeof value === 'boolean' || value === 'true' || value === 'false')) wrong('true or false');
        return;
      case 'json':
        if (typeof value !== 'object' && typeof value !== 'string') wrong('a JSON object');
        return;
      case 'array':
        if (!Array.isArray(value)) return wrong('a list');
        value.forEach((v, i) => checkValue([...path, i], v, type.element!, `${label}[${i}]`));
        return;
      case 'map':
        if (!value || typeof value !== 'object' || Array.isArray(value)) return wrong('a map');
        for (const [k, v] of Object.entries(value)) checkValue([...path, k], v, type.element!, `${label}.${k}`);
        return;
      case 'tag':
        return checkShape(path, value, { properties: { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } } }, label);
      case 'ref':
        return checkShape(path, value, serviceSpec().types.get(type.reference!.$ref)!, label);
      case 'union': {
        // A union holds when one of its types takes the value without an issue.
        const before = issues.length;
        for (const t of type.types ?? []) {
          checkValue(path, value, t, label);
          if (issues.length === before) return;
          issues.length = before;
        }
        return wrong(`one of ${(type.types ?? []).map((t) => t.type).join(', ')}`);
      }
      default:
        return;
    }
  };

  const checkShape = (path: Array<string | number>, value: unknown, shape: SpecShape, label: string): void => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return void issue(path, `${label} must be a map of properties, got ${JSON.stringify(value)?.slice(0, 60)}`);
    const names = Object.keys(shape.properties);
    for (const [name, v] of Object.entries(value)) {
      const property = shape.properties[name];
      if (!property) {
        issue([...path, name], `${label} has no property ${name}${names.length ? `; did you mean ${closest(name, names)}?` : ''}`);
        continue;
      }
      checkValue([...path, name], v, property.type, `${label}.${name}`);
    }
    for (const [name, p] of Object.entries(shape.properties)) if (p.required && !(name in value)) issue(path, `${label} is missing the required property ${name}`);
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    const type = resource?.Type;
    if (typeof type !== 'string') {
      issue(['Resources', logicalId], `resource ${logicalId} has no Type`);
      continue;
    }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
    const shape = types.get(type);
    if (!shape) {
      issue(['Resources', logicalId, 'Type'], `${logicalId}: ${type} is not a CloudFormation resource type; did you mean ${closest(type, [...types.keys()])}?`);
      continue;
    }
    checkShape(['Resources', logicalId, 'Properties'], resource.Properties ?? {}, shape, `${logicalId} (${type})`);
  }
  for (const [name, output] of Object.entries((template.Outputs ?? {}) as Body)) checkValue(['Outputs', name, 'Value'], output?.Value, { type: 'json' }, `Outputs.${name}.Value`);
  return issues.sort((a, b) => a.line - b.line);
}

