/**
 * The forbidden paths: outsiders, other roles assuming deploy roles, one target account reaching another, writes to
 * the stores.
 */
import { Body, PolicyJson, asList } from '../../plan/plan';
import { connectionTarget, Paths, PipelineContext } from './collector';
import { organizationPaths } from './organization';
import { ADMIN, OUT_OF_PATH_ACCOUNT, OUTSIDE_PATH, OUTSIDER_ACCOUNT, OUTSIDER_ORGANIZATION, Principal, service, sourceOrganization } from './principals';

/** Forbidden: outsiders, other roles assuming deploy roles, one target account reaching another, writes to the stores. */
export function boundaryPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, object, model } = p;
  const { pipeline, body, pipelineRole, stores, deploys, actions } = c;
  // Forbidden: an unrelated account's administrator, and one target account's roles reaching another's.
  const outsider: Principal = { id: `arn:aws:iam::${OUTSIDER_ACCOUNT}:role/Administrator`, label: `administrator of unrelated account ${OUTSIDER_ACCOUNT}`, account: OUTSIDER_ACCOUNT, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
  for (const key of model.keys.values()) deny('an unrelated account cannot decrypt artifacts', outsider, 'kms:Decrypt', key);
  for (const topic of model.topics.values()) {
    deny('an unrelated account cannot publish to the notifications', outsider, 'sns:Publish', topic);
    allow('CodeStar Notifications publishes pipeline events', service('codestar-notifications.amazonaws.com', topic.account), 'sns:Publish', topic, {
      context: { 'aws:SourceAccount': topic.account },
    });
    deny('CodeStar Notifications of another account cannot publish', service('codestar-notifications.amazonaws.com', OUTSIDER_ACCOUNT), 'sns:Publish', topic, {
      context: { 'aws:SourceAccount': OUTSIDER_ACCOUNT },
    });
  }
  for (const bucket of model.buckets.values()) deny('an unrelated account cannot read artifacts', outsider, 's3:GetObject', bucket, { resource: object(bucket) });
  for (const repo of model.repositories.values()) deny('an unrelated account cannot pull the image', outsider, 'ecr:BatchGetImage', repo);
  const actionRoles = [...new Set(deploys.map((a) => String(a.role_arn)))];
  for (const arn of actionRoles) deny('an unrelated account cannot assume an action role', outsider, 'sts:AssumeRole', model.roleTarget(arn));
  // Policies name roles of several accounts by name (docs/DESIGN.md, invariant 13): a role of an unrelated account
  // under one of those names reaches nothing.
  for (const name of new Set([...model.roles.values()].map((r) => r.name))) {
    const squatter: Principal = { ...outsider, id: `arn:aws:iam::${OUTSIDER_ACCOUNT}:role/${name}`, label: `a role of unrelated account ${OUTSIDER_ACCOUNT} named ${name}` };
    for (const key of model.keys.values()) deny(`a role named ${name} in an unrelated account cannot decrypt artifacts`, squatter, 'kms:Decrypt', key);
    for (const bucket of model.buckets.values()) deny(`a role named ${name} in an unrelated account cannot read artifacts`, squatter, 's3:GetObject', bucket, { resource: object(bucket) });
    for (const repo of model.repositories.values()) deny(`a role named ${name} in an unrelated account cannot pull the image`, squatter, 'ecr:BatchGetImage', repo);
    if (name === String(body.role_arn).split('/').pop()) {
      for (const arn of actionRoles) deny(`a role named ${name} in an unrelated account cannot assume an action role`, squatter, 'sts:AssumeRole', model.roleTarget(arn));
    }
  }
  organizationPaths(p, c);
  for (const repo of model.repositories.values()) {
    for (const stack of new Set(deploys.map((a) => a.configuration?.StackName).filter(Boolean))) {
      const functionArn = `arn:aws:lambda:${repo.region}:${OUTSIDER_ACCOUNT}:function:${stack}`;
      deny(`Lambda, for a function named ${stack} in an unrelated account, cannot pull the image`, service('lambda.amazonaws.com', OUTSIDER_ACCOUNT), 'ecr:BatchGetImage', repo, {
        context: { 'aws:SourceArn': functionArn, 'aws:SourceAccount': OUTSIDER_ACCOUNT, ...sourceOrganization(model.organization && OUTSIDER_ORGANIZATION) },
      });
      // Under an organization grant, an account in no organization sends no organization keys at all.
      if (model.organization) {
        deny(`Lambda, for a function named ${stack} in an account of no organization, cannot pull the image`, service('lambda.amazonaws.com', OUTSIDER_ACCOUNT), 'ecr:BatchGetImage', repo, {
          context: { 'aws:SourceArn': functionArn, 'aws:SourceAccount': OUTSIDER_ACCOUNT },
        });
        if (model.organization.path) {
          const outside = `arn:aws:lambda:${repo.region}:${OUT_OF_PATH_ACCOUNT}:function:${stack}`;
          deny(`Lambda, for a function named ${stack} outside the organization's paths, cannot pull the image`, service('lambda.amazonaws.com', OUT_OF_PATH_ACCOUNT), 'ecr:BatchGetImage', repo, {
            context: { 'aws:SourceArn': outside, 'aws:SourceAccount': OUT_OF_PATH_ACCOUNT, ...sourceOrganization({ id: model.organization.id, path: OUTSIDE_PATH(model.organization.id) }) },
          });
        }
      }
    }
  }
  // Only the pipeline role assumes a deploy role: every other role of the plan is denied, even with its own
  // policies rewritten by its account's administrator (the smoke test, the builds, the other roles). IAM lets a
  // role of another account in only if the trust policy names its account (or "*"), so the roles of accounts the
  // trust does not name are denied without asking; those of its own account and of every named one are asked.
  for (const arn of actionRoles) {
    const target = model.roleTarget(arn);
    const named = principalAccounts(target.policy?.policy);
    for (const other of [...model.roles.values()].filter((r) => r.arn !== body.role_arn && r.arn !== arn && (!named || named.has(r.account) || r.account === target.account))) {
      const worst: Principal = { ...model.principal(other.arn), identity: [{ name: 'AdministratorAccess (worst case)', policy: ADMIN }] };
      deny(`only the pipeline role assumes deploy roles, not ${worst.label}`, worst, 'sts:AssumeRole', target);
    }
  }
  const accounts = [...new Set(actionRoles.map((a) => a.split(':')[4]!))];
  actionRoles.forEach((arn, i) => {
    const victim = arn.split(':')[4]!;
    const attacker = actionRoles.find((other, j) => j !== i && other.split(':')[4] !== victim);
    if (!attacker || accounts.length < 2) return;
    const adminOfOther: Principal = { ...model.principal(attacker), identity: [{ name: 'AdministratorAccess (worst case)', policy: ADMIN }] };
    deny(`a role of account ${attacker.split(':')[4]} cannot assume the action role of account ${victim}`, adminOfOther, 'sts:AssumeRole', model.roleTarget(arn));
  });
  // Artifact integrity: no role of a target account writes any store, even if that account's administrator
  // rewrites the role's own policies (worst case); an action that produces an artifact would be the exception.
  const writingActionRoles = new Set(deploys.filter((a) => asList(a.output_artifacts).length > 0).map((a) => String(a.role_arn)));
  const targetRoles = [...model.roles.keys()].filter((arn) => arn.split(':')[4] !== pipeline.account && !writingActionRoles.has(arn));
  for (const arn of targetRoles) {
    const adminOfRole: Principal = { ...model.principal(arn), identity: [{ name: 'AdministratorAccess (worst case)', policy: ADMIN }] };
    for (const [region, store] of stores) {
      const bucket = model.bucketTarget(store.bucket);
      deny(`a role of target account ${adminOfRole.account} cannot replace the ${region} artifacts`, adminOfRole, 's3:PutObject', bucket, { resource: object(bucket) });
      deny(`a role of target account ${adminOfRole.account} cannot encrypt ${region} artifacts`, adminOfRole, 'kms:GenerateDataKey', model.keyTarget(store.key));
    }
    // Readers of the pipeline region's store can read SourceOutput: as a full clone it is "a Git URL reference
    // to the repository" (CodePipeline action reference, CodeStarSourceConnection), not the source; the
    // repository stays behind the connection, which has no resource policy another account could be named in.
    for (const source of actions.filter((a) => a.provider === 'CodeStarSourceConnection')) {
      const target = connectionTarget(source.configuration.ConnectionArn, pipeline.account, 'source connection');
      for (const action of ['UseConnection', 'GetConnectionToken']) deny(`a role of target account ${adminOfRole.account} cannot clone the source through the connection`, adminOfRole, `${target.arn.split(':')[2]}:${action}`, target);
    }
  }
  const toolingAdmin: Principal = { id: `arn:aws:iam::${pipeline.account}:role/SomeAdministrator`, label: `another administrator of the tooling account`, account: pipeline.account, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
  for (const key of model.keys.values()) deny('key administrators of the tooling account cannot decrypt artifacts', toolingAdmin, 'kms:Decrypt', key);
  for (const [region, store] of stores) {
    const bucket = model.bucketTarget(store.bucket);
    deny(`no request without TLS reaches the ${region} artifacts`, pipelineRole, 's3:GetObject', bucket, { resource: object(bucket), context: { 'aws:SecureTransport': 'false' } });
  }
}

/** Accounts an Allow statement of a resource policy names as AWS principals; undefined when it may be anyone. */
export function principalAccounts(policy: PolicyJson | undefined): Set<string> | undefined {
  if (!policy) return undefined;
  const accounts = new Set<string>();
  for (const s of (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) as Body[]) {
    if (s.Effect !== 'Allow') continue;
    if (s.Principal === '*' || s.NotPrincipal) return undefined;
    for (const p of asList(s.Principal?.AWS)) {
      const account = /^\d{12}$/.test(p) ? p : /^arn:aws:iam::(\d{12}):/.exec(p)?.[1];
      if (!account) return undefined;
      accounts.add(account);
    }
  }
  return accounts;
}
