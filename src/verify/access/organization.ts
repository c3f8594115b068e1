/**
 * Grants by organization: what they let the organization's accounts do, and what they refuse outside its paths.
 */
import { Paths, PipelineContext } from './collector';
import { ADMIN, ORGANIZATION_MEMBER_ACCOUNT, OUT_OF_PATH_ACCOUNT, OUTSIDE_PATH, Principal } from './principals';

/**
 * Grants by organization trust what they name: a role of the readers' names in any account of the organization
 * within its paths reads and pulls what the target accounts read (proved allowed, so docs/performance.md says it), and
 * same role in an account of the organization outside the paths gets nothing.
 */
export function organizationPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, object, model, intent } = p;
  const org = model.organization;
  if (!org || !intent) return;
  const readers = new Set(intent.deployments.flatMap((d) => [d.actionRole, ...(d.executionRole ? [d.executionRole] : [])]).map((arn) => arn.split('/').pop()!));
  const storeBuckets = [...c.stores.values()].map((s) => model.bucketTarget(s.bucket));
  const place = (account: string, path: string | undefined, name: string, label: string): Principal => ({
    id: `arn:aws:iam::${account}:role/${name}`,
    label,
    account,
    identity: [{ name: 'AdministratorAccess', policy: ADMIN }],
    organization: { id: org.id, ...(path ? { path } : {}) },
  });
  for (const name of readers) {
    const member = place(ORGANIZATION_MEMBER_ACCOUNT, org.path, name, `a role named ${name} in another account of the organization${org.path ? ' within its paths' : ''}`);
    const home = c.stores.get(c.pipeline.region);
    const bucket = home ? model.bucketTarget(home.bucket) : storeBuckets[0];
    if (bucket) allow(`a role named ${name} in any account of the organization${org.path ? ' within its paths' : ''} reads artifacts`, member, 's3:GetObject', bucket, { resource: object(bucket) });
    if (!org.path) continue;
    const outside = place(OUT_OF_PATH_ACCOUNT, OUTSIDE_PATH(org.id), name, `a role named ${name} in an account of the organization outside its paths`);
    for (const b of storeBuckets) deny(`a role named ${name} outside the organization's paths cannot read artifacts`, outside, 's3:GetObject', b, { resource: object(b) });
    for (const key of model.keys.values()) deny(`a role named ${name} outside the organization's paths cannot decrypt artifacts`, outside, 'kms:Decrypt', key);
    for (const repo of model.repositories.values()) deny(`a role named ${name} outside the organization's paths cannot pull the image`, outside, 'ecr:BatchGetImage', repo);
  }
}
