/**
 * The security baseline over a resolved plan: buckets, keys, repositories, roles and the pipeline. Each rule has an
 * id, the reason it exists, the fix, and the AWS Security Hub (FSBP) control or checkov check it corresponds to.
 */
import { findCycle, planGraph } from '../plan/plan-graph';
import { Body, Plan, PlanResource, StatementJson, asList, policyOf, statementsOf } from '../plan/plan';
import { chainStages, pipelineChains } from '../plan/pipeline-chain';
import { canRemove, decidingRule } from './ecr-lifecycle';
import { BUILD_TAG_PREFIX, IMAGES_PER_REPOSITORY_QUOTA, RELEASE_TAG_PREFIX } from '../policy/repository';
import { sourceCheckBuildspec } from '../model/source-check';
import { readIntent } from '../model/intent';
import { boundaryNames, policyArn } from '../model/naming';
import type { Finding, Rule } from './rule';

/** The sub-resource of a bucket (versioning, policy, ...) that configures it, if any. */
const forBucket = (plan: Plan, type: string, bucket: PlanResource) => plan.ofType(type).find((r) => r.body.bucket === bucket.body.bucket);
const forRepository = (plan: Plan, type: string, repo: PlanResource) =>
  plan.ofType(type).find((r) => r.body.repository === repo.body.name && r.account === repo.account && r.region === repo.region);

function eachBucket(plan: Plan, test: (bucket: PlanResource) => string | undefined): Finding[] {
  return plan.ofType('aws_s3_bucket').flatMap((b) => {
    const message = test(b);
    return message ? [{ address: b.address, message }] : [];
  });
}

/** Every policy document in the plan with the address that holds it. */
function allPolicies(plan: Plan): Array<{ address: string; kind: 'identity' | 'resource' | 'trust'; statements: StatementJson[] }> {
  const out: Array<{ address: string; kind: 'identity' | 'resource' | 'trust'; statements: StatementJson[] }> = [];
  const add = (address: string, kind: 'identity' | 'resource' | 'trust', text: unknown) => {
    const policy = policyOf(text);
    if (policy) out.push({ address, kind, statements: statementsOf(policy) });
  };
  for (const r of plan.ofType('aws_iam_role')) {
    add(r.address, 'trust', r.body.assume_role_policy);
    (r.body.inline_policy ?? []).forEach((p: Body) => add(r.address, 'identity', p.policy));
  }
  for (const type of ['aws_iam_role_policy', 'aws_iam_policy']) for (const r of plan.ofType(type)) add(r.address, 'identity', r.body.policy);
  for (const type of ['aws_kms_key', 'aws_s3_bucket_policy', 'aws_ecr_repository_policy', 'aws_sns_topic_policy']) for (const r of plan.ofType(type)) add(r.address, 'resource', r.body.policy);
  return out;
}

const isProd = (stageName: string) => /^prod/i.test(stageName);

export const BASELINE_RULES: readonly Rule[] = [
  {
    id: 'S3_PUBLIC_ACCESS_BLOCKED',
    title: 'Artifact buckets block all public access',
    reason: 'A policy or ACL mistake must not expose build artifacts.',
    fix: 'Add aws_s3_bucket_public_access_block with all four settings true.',
    refs: ['FSBP S3.8', 'CKV2_AWS_6'],
    check: (plan) =>
      eachBucket(plan, (b) => {
        const pab = forBucket(plan, 'aws_s3_bucket_public_access_block', b)?.body;
        const off = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].filter((k) => pab?.[k] !== true);
        return off.length ? `public access block missing or off: ${off.join(', ')}` : undefined;
      }),
  },
  {
    id: 'S3_VERSIONING',
    title: 'Artifact buckets are versioned',
    reason: 'A re-run or a rollback must find the artifact version it was started with.',
    fix: 'Add aws_s3_bucket_versioning with status Enabled.',
    refs: ['FSBP S3.14', 'CKV_AWS_21'],
    check: (plan) =>
      eachBucket(plan, (b) => (forBucket(plan, 'aws_s3_bucket_versioning', b)?.body.versioning_configuration?.status === 'Enabled' ? undefined : 'versioning is not enabled')),
  },
  {
    id: 'S3_SSE_KMS_CMK',
    title: 'Artifact buckets encrypt with a customer-managed KMS key',
    reason: 'Other accounts can decrypt only with a key whose policy grants them; aws/s3 grants no one.',
    fix: 'Set apply_server_side_encryption_by_default to aws:kms with the region\'s artifact key, and bucket keys on.',
    refs: ['FSBP S3.17', 'CKV_AWS_145'],
    check: (plan) =>
      eachBucket(plan, (b) => {
        const rule = forBucket(plan, 'aws_s3_bucket_server_side_encryption_configuration', b)?.body.rule?.[0];
        const sse = rule?.apply_server_side_encryption_by_default;
        if (sse?.sse_algorithm !== 'aws:kms' || !String(sse?.kms_master_key_id ?? '').startsWith('arn:aws:kms:')) return 'default encryption is not SSE-KMS with a customer-managed key';
        return rule.bucket_key_enabled === true ? undefined : 'bucket key is not enabled';
      }),
  },
  {
    id: 'S3_TLS_ONLY',
    title: 'Artifact buckets deny requests without TLS',
    reason: 'Artifacts carry code and configuration; they must not travel in clear text.',
    fix: 'Add a bucket policy statement denying s3:* on the bucket and its objects when aws:SecureTransport is false.',
    refs: ['FSBP S3.5'],
    check: (plan) =>
      eachBucket(plan, (b) => {
        const statements = statementsOf(policyOf(forBucket(plan, 'aws_s3_bucket_policy', b)?.body.policy));
        const denies = statements.some(
          (s) =>
            s.Effect === 'Deny' &&
            s.Principal === '*' &&
            asList(s.Action).some((a) => a === 's3:*') &&
            String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false' &&
            asList(s.Resource).includes(`arn:aws:s3:::${b.body.bucket}/*`),
        );
        return denies ? undefined : 'no statement denies s3:* without TLS';
      }),
  },
  {
    id: 'S3_OWNER_ENFORCED',
    title: 'Artifact buckets own every object (ACLs disabled)',
    reason: 'Objects written by other accounts must belong to the tooling account, or it cannot read them.',
    fix: 'Add aws_s3_bucket_ownership_controls with object_ownership BucketOwnerEnforced.',
    refs: ['FSBP S3.12', 'CKV2_AWS_65'],
    check: (plan) =>
      eachBucket(plan, (b) => (forBucket(plan, 'aws_s3_bucket_ownership_controls', b)?.body.rule?.object_ownership === 'BucketOwnerEnforced' ? undefined : 'object ownership is not BucketOwnerEnforced')),
  },
  {
    id: 'KMS_ROTATION',
    title: 'KMS keys rotate',
    reason: 'Limits what one exposed key version can decrypt.',
    fix: 'Set enable_key_rotation = true.',
    refs: ['FSBP KMS.4', 'CKV_AWS_7'],
    check: (plan) => plan.ofType('aws_kms_key').flatMap((k) => (k.body.enable_key_rotation === true ? [] : [{ address: k.address, message: 'key rotation is off' }])),
  },
  {
    id: 'KMS_DELETION_WINDOW',
    title: 'KMS keys keep a deletion window of at least 14 days',
    reason: 'A key scheduled for deletion by mistake must be recoverable before artifacts become unreadable.',
    fix: 'Set deletion_window_in_days to 14-30 (30 by default here).',
    refs: ['FSBP KMS.3'],
    check: (plan) =>
      plan.ofType('aws_kms_key').flatMap((k) =>
        Number(k.body.deletion_window_in_days ?? 30) >= 14 ? [] : [{ address: k.address, message: `deletion window is ${k.body.deletion_window_in_days} days` }],
      ),
  },
  {
    id: 'ECR_IMMUTABLE_TAGS',
    title: 'Image tags are immutable',
    reason: 'A pushed tag must never point to other bytes than the ones that were tested.',
    fix: 'Set image_tag_mutability = "IMMUTABLE".',
    refs: ['FSBP ECR.2', 'CKV_AWS_51'],
    check: (plan) => plan.ofType('aws_ecr_repository').flatMap((r) => (r.body.image_tag_mutability === 'IMMUTABLE' ? [] : [{ address: r.address, message: `tags are ${r.body.image_tag_mutability ?? 'MUTABLE'}` }])),
  },
  {
    id: 'ECR_SCAN_ON_PUSH',
    title: 'Images are scanned on push',
    reason: 'Known vulnerabilities are reported before the image is deployed.',
    fix: 'Set image_scanning_configuration.scan_on_push = true.',
    refs: ['FSBP ECR.1', 'CKV_AWS_163'],
    check: (plan) => plan.ofType('aws_ecr_repository').flatMap((r) => (r.body.image_scanning_configuration?.scan_on_push === true ? [] : [{ address: r.address, message: 'scan on push is off' }])),
  },
  {
    id: 'ECR_LIFECYCLE_KEEPS_RELEASES',
    title: 'Image repositories expire only unreleased images',
    reason:
      'A digest a stage deploys must stay pullable: Lambda reactivation, CloudFormation rollback and ECS scale-out pull it again. The build tags every digest it hands to the stages release-<tag>.',
    fix: `Add aws_ecr_lifecycle_policy for the repository whose first rule selecting tag prefix ${RELEASE_TAG_PREFIX} keeps ${IMAGES_PER_REPOSITORY_QUOTA} images (src/policy/repository.ts).`,
    refs: ['FSBP ECR.3'],
    check: (plan) =>
      plan.ofType('aws_ecr_repository').flatMap((r) => {
        const lifecycle = forRepository(plan, 'aws_ecr_lifecycle_policy', r);
        if (!lifecycle) return [{ address: r.address, message: 'no lifecycle policy' }];
        const released = [`${BUILD_TAG_PREFIX}0123abcd-7`, `${RELEASE_TAG_PREFIX}0123abcd-7`];
        const rule = decidingRule(String(lifecycle.body.policy), released);
        return rule && canRemove(rule, IMAGES_PER_REPOSITORY_QUOTA)
          ? [{ address: lifecycle.address, message: `rule ${rule.rulePriority} ("${rule.description ?? ''}") can expire a released image (tags ${released.join(', ')})` }]
          : [];
      }),
  },
  {
    id: 'NOTIFICATION_RULE_ORDERED',
    title: 'A notification rule is created after its topic policy',
    reason: 'CodeStar Notifications checks at creation that it may publish to the topic; created in parallel, a first apply fails intermittently.',
    fix: "Put the topic policy in the rule's depends_on.",
    refs: [],
    check: (plan) =>
      plan.ofType('aws_codestarnotifications_notification_rule').flatMap((rule) => {
        const after = new Set<string>((rule.body.depends_on ?? []).map(String));
        const topics = (rule.body.target ?? []).map((t: Body) => t.address);
        const topicPolicies = plan.ofType('aws_sns_topic_policy').filter((p) => topics.includes(p.body.arn));
        if (topicPolicies.length === 0) return [{ address: rule.address, message: `no topic policy in the plan for its target ${topics.join(', ')}` }];
        return topicPolicies.filter((r) => !after.has(r.address)).map((r) => ({ address: rule.address, message: `does not depend on ${r.address}` }));
      }),
  },
  {
    id: 'NO_SHARED_SERVICE_LINKED_ROLE',
    title: 'The stack owns no service-linked role',
    reason:
      'An account has one service-linked role per service, shared by every stack and person that uses the service: a stack that owns it deletes it on destroy, and fails to create it where it exists. CodeStar Notifications creates its own with the first rule.',
    fix: 'Remove the aws_iam_service_linked_role; keep an existing one with a removed block (lifecycle destroy = false).',
    refs: [],
    check: (plan) => plan.ofType('aws_iam_service_linked_role').map((r) => ({ address: r.address, message: `owns the service-linked role of ${r.body.aws_service_name}` })),
  },
  {
    id: 'CODEBUILD_PIPELINE_KEY',
    title: 'CodeBuild encrypts its artifacts with the pipeline CMK of its region',
    reason: 'Without encryption_key CodeBuild writes artifacts with aws/s3, which no other account can decrypt.',
    fix: 'Set encryption_key of the project to the ARN of the artifact store key of its region.',
    refs: ['CKV_AWS_147'],
    check: (plan) => {
      const stores = plan.ofType('aws_codepipeline').flatMap((p) => (p.body.artifact_store ?? []).map((s: Body) => ({ region: s.region ?? p.region, key: s.encryption_key?.id })));
      // A project without artifacts (pull-request builds) writes nothing for another account to decrypt.
      return plan.ofType('aws_codebuild_project').filter((project) => project.body.artifacts?.type !== 'NO_ARTIFACTS').flatMap((project) => {
        const key = project.body.encryption_key;
        const storeKey = stores.find((s) => s.region === project.region)?.key;
        if (!key) return [{ address: project.address, message: 'encryption_key is not set: output is written with aws/s3' }];
        if (storeKey && key !== storeKey) return [{ address: project.address, message: `encryption_key ${key} is not the ${project.region} artifact store key ${storeKey}` }];
        return [];
      });
    },
  },
  {
    id: 'CODEBUILD_LOGS_RETAINED',
    title: 'CodeBuild logs go to a log group with retention',
    reason: 'Build logs are the audit trail of what was built; unbounded retention costs, none loses it.',
    fix: 'Enable logs_config.cloudwatch_logs with a group that sets retention_in_days.',
    refs: ['FSBP CodeBuild.4', 'CKV_AWS_158'],
    check: (plan) =>
      plan.ofType('aws_codebuild_project').flatMap((project) => {
        const logs = project.body.logs_config?.cloudwatch_logs;
        if (!logs || logs.status === 'DISABLED') return [{ address: project.address, message: 'CloudWatch logs are disabled' }];
        const group = plan.ofType('aws_cloudwatch_log_group').find((g) => g.body.name === logs.group_name && g.account === project.account);
        if (!group) return [{ address: project.address, message: `log group ${logs.group_name ?? '(default)'} is not managed here, so its retention is unknown` }];
        return group.body.retention_in_days ? [] : [{ address: group.address, message: 'retention_in_days is not set' }];
      }),
  },
  {
    id: 'CODEBUILD_NO_PLAINTEXT_SECRETS',
    title: 'No secrets in CodeBuild plaintext environment variables',
    reason: 'Plaintext variables are readable by anyone who can read the project.',
    fix: 'Use type PARAMETER_STORE or SECRETS_MANAGER for secrets.',
    refs: ['FSBP CodeBuild.2', 'CKV_AWS_46'],
    check: (plan) =>
      plan.ofType('aws_codebuild_project').flatMap((project) =>
        (project.body.environment?.environment_variable ?? [])
          .filter((v: Body) => (v.type ?? 'PLAINTEXT') === 'PLAINTEXT')
          .filter((v: Body) => /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|ACCESS_KEY)/i.test(v.name) || /\bAKIA[0-9A-Z]{16}\b/.test(String(v.value)))
          .map((v: Body) => ({ address: project.address, message: `environment variable ${v.name} looks like a secret in plaintext` })),
      ),
  },
  {
    id: 'PIPELINE_STORE_PER_REGION',
    title: 'An artifact store with a CMK in the pipeline region and every action region',
    reason: 'Cross-region actions read artifacts from their own region; keys are regional; aws/s3 cannot be shared.',
    fix: 'Add an artifact_store (bucket and customer-managed KMS key) for each region that has an action.',
    refs: ['CKV_AWS_219'],
    check: (plan) =>
      plan.ofType('aws_codepipeline').flatMap((p) => {
        const stores: Body[] = p.body.artifact_store ?? [];
        const byRegion = new Map(stores.map((s) => [s.region ?? p.region, s]));
        const regions = new Set<string>([p.region, ...(p.body.stage ?? []).flatMap((s: Body) => (s.action ?? []).map((a: Body) => a.region ?? p.region))]);
        const findings: Finding[] = [];
        for (const region of regions) {
          const store = byRegion.get(region);
          if (!store) findings.push({ address: p.address, message: `no artifact store for ${region}, where actions run` });
          else if (store.encryption_key?.type !== 'KMS' || !String(store.encryption_key?.id ?? '').startsWith('arn:aws:kms:')) {
            findings.push({ address: p.address, message: `the ${region} artifact store has no customer-managed KMS key` });
          } else if (!String(store.encryption_key.id).includes(`:${region}:`)) {
            findings.push({ address: p.address, message: `the ${region} artifact store uses a key of another region (${store.encryption_key.id})` });
          }
        }
        return findings;
      }),
  },
  {
    id: 'SNS_ENCRYPTED_CMK',
    title: 'Notification topics are encrypted with a customer-managed key',
    reason: 'Approval requests and failures name accounts, stacks and links; they are not for anyone with SNS read access.',
    fix: 'Set kms_master_key_id of the topic to a customer-managed key whose policy allows the publishers.',
    refs: ['FSBP SNS.1', 'CKV_AWS_26'],
    check: (plan) =>
      plan.ofType('aws_sns_topic').flatMap((t) =>
        String(t.body.kms_master_key_id ?? '').startsWith('arn:aws:kms:') ? [] : [{ address: t.address, message: `encryption key is ${t.body.kms_master_key_id ?? 'not set'}` }],
      ),
  },
  {
    id: 'NO_OPEN_WILDCARD_PRINCIPAL',
    title: 'No Allow to Principal "*" without a condition',
    reason: 'An unconditioned wildcard principal opens the resource to every AWS account.',
    fix: 'Name account roots narrowed with aws:PrincipalArn, or add a condition.',
    refs: ['FSBP S3.2', 'FSBP KMS.5', 'CKV_AWS_33'],
    check: (plan) =>
      allPolicies(plan).flatMap(({ address, statements }) =>
        statements
          .filter((s) => s.Effect === 'Allow' && (s.Principal === '*' || asList((s.Principal as Body | undefined)?.AWS).includes('*')) && !s.Condition)
          .map((s) => ({ address, message: `statement ${s.Sid ?? '(no Sid)'} allows Principal "*" without a condition` })),
      ),
  },
  {
    id: 'ROLES_WITHIN_BOUNDARY',
    title: "Every role carries the environment's role boundary",
    reason:
      'The boundary is the ceiling of every role the stack creates, and the apply role may create a role only with it (docs/security.md): a role without it fails to create, or, made by other means, would be a role beyond the ceiling.',
    fix: 'Set permissions_boundary to arn:aws:iam::<account>:policy/terraform-boundary-<workload>-<environment> (the PermissionsBoundary aspect of the stack does).',
    refs: [],
    check: (plan) => {
      const read = readIntent(plan.json.output);
      const roles = plan.ofType('aws_iam_role');
      if (!('intent' in read)) return roles.map((r) => ({ address: r.address, message: `no boundary to hold it to: ${read.problem}` }));
      return roles.flatMap((r) => {
        const expected = policyArn(r.account, boundaryNames(read.intent.prefix).roleBoundary);
        return r.body.permissions_boundary === expected ? [] : [{ address: r.address, message: `permissions_boundary is ${r.body.permissions_boundary ?? 'not set'}, not ${expected}` }];
      });
    },
  },
  {
    id: 'NO_WILDCARD_PASSROLE_ASSUMEROLE',
    title: 'No iam:PassRole or sts:AssumeRole on "*"',
    reason: 'A role that can pass or assume any role can become any role.',
    fix: 'List the exact role ARNs in Resource.',
    refs: ['CKV_AWS_286', 'CKV_AWS_107'],
    check: (plan) =>
      allPolicies(plan)
        .filter((p) => p.kind === 'identity')
        .flatMap(({ address, statements }) =>
          statements
            .filter((s) => s.Effect === 'Allow' && asList(s.Resource).some((r) => r === '*' || r.endsWith(':role/*')))
            .filter((s) => asList(s.Action).some((a) => /^(\*|iam:\*|iam:Pass\*|iam:PassRole|sts:\*|sts:Assume\*|sts:AssumeRole)$/i.test(a)))
            .map((s) => ({ address, message: `statement ${s.Sid ?? '(no Sid)'} allows ${asList(s.Action).join(', ')} on ${asList(s.Resource).join(', ')}` })),
        ),
  },
  {
    id: 'SOURCE_COMMIT_ON_BRANCH',
    title: 'Nothing is built before the source commit is checked to be on the pipeline branch',
    reason:
      'Whoever may start the pipeline can override the source revision with any commit of the repository, reviewed or not; the source check refuses one that is not reachable from the branch, and must run before anything builds it.',
    fix: 'Build the pipeline with DeliveryPipeline and SourceCheck: the source as CODEBUILD_CLONE_REF, the source check (its buildspec in the plan) first in the Build stage, the build after it.',
    refs: [],
    check: (plan) => {
      // A continuation starts from a release, not from the repository (PIPELINE_CHAIN); it must build nothing.
      const continuations = new Set(pipelineChains(plan).flatMap((chain) => chain.slice(1)));
      return plan.ofType('aws_codepipeline').flatMap((p) => {
        const problems: string[] = [];
        const actions: Body[] = (p.body.stage ?? []).flatMap((s: Body) => s.action ?? []);
        const source = actions.find((a) => a.provider === 'CodeStarSourceConnection');
        if (!continuations.has(p) && source?.configuration?.OutputArtifactFormat !== 'CODEBUILD_CLONE_REF') problems.push('the source is not a clone reference (OutputArtifactFormat CODEBUILD_CLONE_REF): no history to check the commit against');
        const isCheck = (a: Body) => {
          const project = plan.ofType('aws_codebuild_project').find((r) => r.body.name === a.configuration?.ProjectName);
          const branch = project?.body.environment?.environment_variable?.find((v: Body) => v.name === 'SOURCE_BRANCH')?.value;
          return a.provider === 'CodeBuild' && asList(a.output_artifacts).length === 0 && project?.body.source?.buildspec === sourceCheckBuildspec() && branch === source?.configuration?.BranchName;
        };
        for (const stage of p.body.stage ?? []) {
          const stageActions: Body[] = stage.action ?? [];
          const checked = Math.min(...stageActions.filter(isCheck).map((a) => a.run_order ?? 1));
          for (const build of stageActions.filter((a) => a.provider === 'CodeBuild' && asList(a.output_artifacts).length > 0)) {
            if (!((build.run_order ?? 1) > checked)) problems.push(`stage ${stage.name} builds ${build.name} without the source check running before it`);
          }
        }
        return problems.map((message) => ({ address: p.address, message }));
      });
    },
  },
  {
    id: 'PROD_APPROVAL',
    title: 'A manual approval comes before any prod change set executes',
    reason: 'Production changes need a person to look at the change sets first.',
    fix: 'Set "approval": true on the prod stage.',
    refs: [],
    // A chain's waves in order, as one pipeline's (src/plan/pipeline-chain.ts; its links: PIPELINE_CHAIN).
    check: (plan) =>
      pipelineChains(plan).flatMap((chain) => {
        let approved = false;
        const findings: Finding[] = [];
        for (const stage of chainStages(chain)) {
          const actions: Body[] = stage.action ?? [];
          const approvalOrder = Math.min(...actions.filter((a) => a.category === 'Approval').map((a) => a.run_order ?? 1));
          const executes = actions.filter((a) => a.configuration?.ActionMode === 'CHANGE_SET_EXECUTE' || (a.category === 'Deploy' && !a.configuration?.ActionMode?.startsWith('CHANGE_SET_REPLACE')));
          if (isProd(stage.name) && !approved) {
            const early = executes.filter((a) => (a.run_order ?? 1) <= approvalOrder);
            if (early.length) findings.push({ address: chain.find((c) => (c.body.stage ?? []).includes(stage))!.address, message: `stage ${stage.name} executes ${early.map((a) => a.name).join(', ')} without an approval before` });
          }
          if (isProd(stage.name) && Number.isFinite(approvalOrder)) approved = true;
          if (!isProd(stage.name)) approved = false;
        }
        return findings;
      }),
  },
  {
    id: 'PROVIDERS_PINNED',
    title: 'Every provider pins allowed_account_ids to one account',
    reason: 'A wrong credential or role must fail instead of applying into another account.',
    fix: 'Set allowed_account_ids = [<the account>] on every aws provider.',
    refs: [],
    check: (plan) =>
      plan.providers.flatMap((p) => (p.allowedAccountIds.length === 1 ? [] : [{ address: `provider.aws.${p.alias || '(default)'}`, message: `allowed_account_ids is ${JSON.stringify(p.allowedAccountIds)}` }])),
  },
  {
    id: 'NO_DEPENDENCY_CYCLE',
    title: 'The plan has no dependency cycle',
    reason: 'A cycle makes the one-plan deployment impossible (Terraform refuses it).',
    fix: 'Keep role permissions in separate aws_iam_role_policy resources and name roles in resource policies by deterministic ARN.',
    refs: [],
    check: (plan) => {
      const cycle = findCycle(planGraph(plan.json));
      return cycle ? [{ address: cycle[0]!, message: `cycle: ${cycle.join(' -> ')}` }] : [];
    },
  },
];
