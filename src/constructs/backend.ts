import { CloudBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import type { BackendConfig } from '../config/schema';

/**
 * Puts an environment's state where its config says. `local` keeps cdktf's default, a
 * `terraform.<env>.tfstate` per stack beside cdktf.json, so environments never share a state file.
 */
export function useBackend(stack: TerraformStack, backend: BackendConfig, sessionName: string): void {
  switch (backend.type) {
    case 'local':
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: true,
        ...(backend.kmsKeyId ? { kmsKeyId: backend.kmsKeyId } : {}),
        ...(backend.roleArn ? { assumeRole: { roleArn: backend.roleArn, sessionName } } : {}),
      });
      // Native S3 locking (Terraform 1.10+) instead of a DynamoDB table; cdktf 0.21's S3Backend has no such prop.
      stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    case 'cloud':
      new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(backend.workspace, backend.project),
      });
  }
}
