import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { terraformFolder } from './shared-terraform';
import { synth } from './support';

// Real Terraform is the judge of what the deploy workflow relies on: the stack's role variable is ephemeral,
// so a plan saved with the plan role is applied with the apply role given again, and only the two configured
// names pass. The stack's own variable block is used, with one offline provider that reads it.
describe('terraform_role_name with real Terraform', () => {
  // The run's shared terraform init (shared-terraform.ts): this folder gets its lock file and data folder.
  const { dir, env, shared } = terraformFolder('cap-role-var-');
  afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  const { json, config } = synth();
  const terraform = (args: string[], role?: string) =>
    spawnSync('terraform', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...env, ...(role ? { TF_VAR_terraform_role_name: role } : {}) },
    });

  beforeAll(() => {
    expect(shared.init).toEqual({ status: 0, stderr: '' });
    writeFileSync(
      join(dir, 'main.tf.json'),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: 'hashicorp/aws' } } },
        variable: { terraform_role_name: json.variable.terraform_role_name },
        provider: {
          aws: [
            {
              region: 'eu-west-1',
              access_key: 'offline',
              secret_key: 'offline',
              skip_credentials_validation: true,
              skip_requesting_account_id: true,
              skip_metadata_api_check: true,
              // Where the stack puts it (assume_role would call STS): any provider argument reads it the same way.
              default_tags: [{ tags: { role: '${var.terraform_role_name}' } }],
            },
          ],
        },
        data: { aws_partition: { current: {} } },
        output: { partition: { value: '${data.aws_partition.current.partition}' } },
      }),
    );
  });

  it('saves a plan made with the plan role and applies it with the apply role, keeping neither in the plan', () => {
    const plan = terraform(['plan', '-input=false', '-no-color', '-out=tfplan'], config.terraformPlanRoleName);
    expect({ status: plan.status, stderr: plan.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, 'tfplan')).includes(Buffer.from(config.terraformPlanRoleName))).toBe(false);
    const apply = terraform(['apply', '-input=false', '-no-color', 'tfplan'], config.terraformRoleName);
    expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: '' });
  }, 60_000);

  it('refuses any other role name', () => {
    const plan = terraform(['plan', '-input=false', '-no-color'], 'OrganizationAccountAccessRole');
    expect(plan.status).toBe(1);
    // Terraform wraps long messages inside its error box.
    expect(plan.stderr.replace(/\s*│\s*/g, " ").replace(/\s+/g, " ")).toContain(`terraform_role_name must be "${config.terraformPlanRoleName}" or "${config.terraformRoleName}".`);
  }, 60_000);
});
