import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// cdktf's own logical-id function is the oracle for the address earlier releases gave the role.
import { makeUniqueId } from 'cdktf/lib/private/unique';
import { FORMER_SERVICE_LINKED_ROLE } from '../stacks/environment-stack';
import { terraformFolder } from './shared-terraform';
import { synth } from './support';

const ROLE = 'arn:aws:iam::111111111111:role/aws-service-role/codestar-notifications.amazonaws.com/AWSServiceRoleForCodeStarNotifications';

// Real Terraform judges what happens to a tooling account that applied an earlier release, whose state holds the
// CodeStar Notifications service-linked role: the plan of this release keeps the role in the account.
describe('the CodeStar Notifications service-linked role of an earlier release, with real Terraform', () => {
  // The run's shared terraform init (shared-terraform.ts): this folder gets its lock file and data folder.
  const { dir, env, shared } = terraformFolder('cap-slr-');
  afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  const { json } = synth(require('../config/example-s3.json'), 'config/example-s3.json');
  const terraform = (args: string[]) =>
    spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env });
  const configuration = (removed: unknown) => ({
    terraform: { required_providers: { aws: { source: 'hashicorp/aws' } } },
    provider: { aws: [{ region: 'eu-west-1', access_key: 'offline', secret_key: 'offline', skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true }] },
    ...(removed ? { removed } : {}),
  });
  const planWith = (removed: unknown) => {
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(configuration(removed)));
    return terraform(['plan', '-refresh=false', '-input=false', '-no-color']);
  };

  beforeAll(() => {
    expect(shared.init).toEqual({ status: 0, stderr: '' });
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(configuration(undefined)));
    const attributes = { id: ROLE, arn: ROLE, aws_service_name: 'codestar-notifications.amazonaws.com', name: 'AWSServiceRoleForCodeStarNotifications', path: '/aws-service-role/codestar-notifications.amazonaws.com/', unique_id: 'AROAEXAMPLE', create_date: '2026-01-01T00:00:00Z', custom_suffix: '', description: '', tags: {}, tags_all: {} };
    writeFileSync(
      join(dir, 'terraform.tfstate'),
      JSON.stringify({
        version: 4,
        terraform_version: '1.11.0',
        serial: 1,
        lineage: '5f0c7f36-8f1a-4a43-9d55-0a4c1b9e2d11',
        outputs: {},
        resources: [{ mode: 'managed', type: 'aws_iam_service_linked_role', name: FORMER_SERVICE_LINKED_ROLE, provider: 'provider["registry.terraform.io/hashicorp/aws"]', instances: [{ schema_version: 0, attributes, sensitive_attributes: [] }] }],
      }),
    );
  });

  it('is the address cdktf gave the role at notifications/service-linked-role', () => {
    expect(FORMER_SERVICE_LINKED_ROLE).toBe(makeUniqueId(['notifications', 'service-linked-role']));
  });

  it('stops managing the role without deleting it, where the same state without the removed block would delete it', () => {
    expect(json.resource.aws_iam_service_linked_role).toBeUndefined();
    const kept = planWith(json.removed);
    expect({ status: kept.status, stderr: kept.stderr }).toEqual({ status: 0, stderr: '' });
    expect(kept.stdout).toMatch(/Plan: 0 to add, 0 to change, 0 to destroy\./);
    expect(kept.stdout).toMatch(new RegExp(`will not delete them:\\n - aws_iam_service_linked_role\\.${FORMER_SERVICE_LINKED_ROLE}`));
    const without = planWith(undefined);
    expect(without.stdout).toMatch(/Plan: 0 to add, 0 to change, 1 to destroy\./);
  }, 60_000);
});
