/**
 * A `terraform test` file that applies and destroys the whole stack against mock providers (Terraform
 * >= 1.7): one `mock_provider` per provider configuration, so every alias the stack uses is mocked and no
 * credentials are needed. Mocked computed values are random strings, which the provider refuses where it
 * validates an ARN (a role's `arn` as CodeBuild's `service_role`, for one); every computed `arn`/`*_arn`
 * string of the types the stack uses gets an ARN-shaped default instead, read from the provider's schema.
 */

type Json = Record<string, any>;

/** The part of `terraform providers schema -json` the mocks read: attributes per resource or data source type. */
export interface ProviderSchema {
  readonly resource_schemas: Record<string, { block: { attributes?: Record<string, { type: unknown; computed?: boolean }> } }>;
  readonly data_source_schemas: Record<string, { block: { attributes?: Record<string, { type: unknown; computed?: boolean }> } }>;
}

/** Account of mocked ARNs when a provider is not pinned to one. */
const MOCK_ACCOUNT = '123456789012';

/** Computed string attributes the provider may validate as ARNs when another resource takes them. */
function arnAttributes(schema: ProviderSchema['resource_schemas'][string] | undefined): string[] {
  return Object.entries(schema?.block.attributes ?? {})
    .filter(([name, a]) => a.computed && a.type === 'string' && (name === 'arn' || name.endsWith('_arn')))
    .map(([name]) => name);
}

/** `arn:aws:<service>:<region>:<account>:<type>/<attribute>`: valid to every ARN check, recognisable in a failure. */
const mockArn = (type: string, attribute: string, region: string, account: string) =>
  `arn:aws:${type.split('_')[1] ?? 'mock'}:${region}:${account}:${type}/${attribute}`;

function defaultsBlocks(types: readonly string[], schemas: ProviderSchema['resource_schemas'], region: string, account: string): Json {
  const blocks: Json = {};
  for (const type of types) {
    const attributes = arnAttributes(schemas[type]);
    if (attributes.length) blocks[type] = { defaults: Object.fromEntries(attributes.map((a) => [a, mockArn(type, a, region, account)])) };
  }
  return blocks;
}

/** The test file, in Terraform's JSON syntax (`*.tftest.json`): mock every provider, apply, then Terraform destroys. */
export function mockedApplyTest(stack: Json, schema: ProviderSchema): Json {
  const resourceTypes = Object.keys(stack.resource ?? {});
  const dataTypes = Object.keys(stack.data ?? {});
  const providers: Json[] = (stack.provider?.aws ?? []).map((p: Json) => {
    const region = String(p.region ?? 'us-east-1');
    const account = String(p.allowed_account_ids?.[0] ?? MOCK_ACCOUNT);
    const mocks: Json = { ...(p.alias ? { alias: p.alias } : {}) };
    const resources = defaultsBlocks(resourceTypes, schema.resource_schemas, region, account);
    const data = defaultsBlocks(dataTypes, schema.data_source_schemas, region, account);
    if (Object.keys(resources).length) mocks.mock_resource = resources;
    if (Object.keys(data).length) mocks.mock_data = data;
    return mocks;
  });
  return { mock_provider: { aws: providers }, run: { apply_and_destroy: { command: 'apply' } } };
}
