import { z } from 'zod';
import { AWS_REGIONS } from './regions';
import { didYouMean, echo } from './source';

const accountId = z
  // Returning undefined for a missing value leaves the message to the loader ("is required").
  .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a 12-digit AWS account id in quotes, e.g. "123456789012"') })
  .regex(/^\d{12}$/, { error: (issue) => `must be a 12-digit AWS account id, e.g. "123456789012" (got "${echo(issue.input)}")` });

const region = z.enum(AWS_REGIONS, {
  // A missing region is "required" (the loader says what to write), not an unknown one.
  error: (issue) => {
    if (issue.input === undefined) return undefined;
    const guess = typeof issue.input === 'string' ? didYouMean(issue.input, AWS_REGIONS) : undefined;
    return `"${echo(issue.input)}" is not a known AWS region; ${guess ? `did you mean "${guess}"? All: ` : 'use one of: '}${AWS_REGIONS.join(', ')}`;
  },
});

/**
 * A path in the repository the pipeline builds, as synth and CodeBuild read it from the repository root:
 * relative, normalized (no "." or empty segments, no trailing "/"), never climbing out with "..".
 */
const repositoryPath = (what: string, example: string, pattern: RegExp, patternFix: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? undefined : `must be ${what} (a string)`) })
    .check((ctx) => {
      const path = ctx.value;
      const segments = path.split('/');
      const problem = /^([A-Za-z]:|[\\/~])/.test(path)
        ? 'is absolute'
        : path.includes('\\')
          ? 'uses "\\"; write "/"'
          : segments.includes('..')
            ? 'climbs out with ".."'
            : segments.some((s) => s === '' || s === '.')
              ? 'is not normalized (an empty or "." segment, or a trailing "/")'
              : !pattern.test(path)
                ? patternFix
                : undefined;
      if (problem) ctx.issues.push({ code: 'custom', input: path, message: `must be ${what}, relative to the repository root, e.g. "${example}"; "${echo(path)}" ${problem}` });
    });

/** Lower-case DNS-style label: used in bucket, role, stack and repository names. */
/**
 * Target accounts a stack whose offline plan stays within 2 GiB (npm run bench:split, 1,000 x 1 on 2 cores: 1.76-1.92
 * GiB at 15, 1.85-2.06 at 16; 18 measured 1.87 GiB on one machine and 2.05-2.15 on another). synth recommends it.
 */
export const TARGET_ACCOUNTS_PER_STACK = 15;

export const LABEL_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const label = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .regex(LABEL_PATTERN, {
      error: (issue) =>
        `${what} must be lower-case letters, digits and inner hyphens, starting with a letter (got "${echo(issue.input)}")`,
    });

const connectionArn = z
  .string()
  .regex(/^arn:aws:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/, {
    error: (issue) =>
      `must be a CodeConnections connection ARN like "arn:aws:codeconnections:eu-west-1:123456789012:connection/<uuid>" (got "${echo(issue.input)}"); omit it to create a connection`,
  });

const iamRoleArn = z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,64}$/, {
  error: (issue) => `must be an IAM role ARN like "arn:aws:iam::123456789012:role/terraform-state" (got "${echo(issue.input)}")`,
});

export const backendSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('local').describe('State in terraform.<env>.tfstate beside cdktf.json (the default).') }),
      z.strictObject({
        type: z.literal('s3'),
        bucket: z
          .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be an S3 bucket name') })
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)' })
          .describe('Existing state bucket.'),
        key: z
          .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be an object key') })
          .regex(/^[^/].*\.tfstate$/, { error: 'must be an object key ending in .tfstate, e.g. "pipeline/production.tfstate"' })
          .describe('State object key; one per environment.'),
        region: region.describe('Region of the state bucket.'),
        kmsKeyId: z.string().min(1).optional().describe('KMS key (ARN) that encrypts the state. Default: the bucket default encryption.'),
        roleArn: iamRoleArn.optional().describe('Role to assume for state access. Default: the caller credentials.'),
      }),
      z.strictObject({
        type: z.literal('cloud'),
        organization: z.string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a string') }).min(1).describe('HCP Terraform / Terraform Enterprise organization.'),
        workspace: z
          .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a string') })
          .regex(/^[A-Za-z0-9_-]{1,90}$/, { error: 'must be a workspace name (letters, digits, - and _)' })
          .describe('Workspace of this environment; one per environment.'),
        project: z.string().min(1).optional().describe('Project of the workspace. Default: the organization default project.'),
        hostname: z.string().min(1).default('app.terraform.io').describe('Terraform Enterprise hostname. Default: app.terraform.io.'),
      }),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? 'must be "local", "s3" or "cloud"' : undefined) },
  )
  .describe('Where the state of this environment lives.');

const workloadName = label('workload name').describe('Workload name, e.g. `orders-api`.');
const workloadPath = repositoryPath('a folder of the repository', 'lambda-src', /^[A-Za-z0-9._/-]+$/, 'may hold only letters, digits and ._/-')
  .default('lambda-src')
  .describe('Folder in the source repository with the workload and its buildspec.yml. Default: lambda-src.');
const resourceName = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? undefined : `must be the ${what}`) })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.@+=,-]{0,254}$/, { error: `must be the ${what} (letters, digits and _.@+=,-)` });

// IAM role names: 1-64 of letters, digits and +=,.@_- (IAM User Guide, "IAM object quotas"; CreateRole RoleName).
const iamRoleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, { error: (issue) => `must be an IAM role name (1-64 of letters, digits and +=,.@_-; got "${echo(issue.input)}")` });
/** A statement of the CloudFormation execution role of a `cloudformation` workload. */
const permissionSchema = z.strictObject({
  Sid: z.string().regex(/^[A-Za-z0-9]*$/).optional(),
  Effect: z.literal('Allow').default('Allow'),
  Action: z.union([z.string(), z.array(z.string()).min(1)], { error: 'must be an IAM action or a list of them, e.g. "dynamodb:CreateTable"' }),
  Resource: z.union([z.string(), z.array(z.string()).min(1)], { error: 'must be a resource ARN or a list of them' }),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

/** The kind of a workload that leaves `kind` out: the original workload, a container Lambda. */
export const DEFAULT_WORKLOAD_KIND = 'lambda-container';

export const workloadSchema = z
  .preprocess(
    (value) => (value && typeof value === 'object' && !('kind' in value) ? { ...value, kind: DEFAULT_WORKLOAD_KIND } : value),
    z.discriminatedUnion(
      'kind',
      [
        z.strictObject({
          kind: z.literal(DEFAULT_WORKLOAD_KIND).describe('A container Lambda deployed by CloudFormation change sets (the default).'),
          name: workloadName,
          path: workloadPath,
        }),
        z.strictObject({
          kind: z.literal('ecs-service').describe('An existing ECS service updated with the new image by the ECS deploy action.'),
          name: workloadName,
          path: workloadPath,
          cluster: resourceName('ECS cluster name').describe('Cluster of the service, the same name in every target account.'),
          service: resourceName('ECS service name').describe('Service to update in each target account and region.'),
          container: resourceName('container name').describe('Container of the task definition that runs the image.'),
          taskRoleName: iamRoleName.optional().describe('Task role of the service, passed on redeploy. Default: none.'),
          taskExecutionRoleName: iamRoleName.describe('Task execution role of the service: it pulls the image.'),
        }),
        z.strictObject({
          kind: z.literal('cloudformation').describe('Any CloudFormation template from the build output, deployed as change sets.'),
          name: workloadName,
          path: workloadPath,
          template: repositoryPath('a template file of the build output', 'template.yaml', /^[A-Za-z0-9._/-]+\.(ya?ml|json|template)$/, 'must end in .yaml, .yml, .json or .template')
            .describe('Template file in the build output.'),
          parameters: repositoryPath('a JSON template configuration file of the build output', 'params.json', /^[A-Za-z0-9._/-]+\.json$/, 'must end in .json')
            .optional()
            .describe('Template configuration (parameters, tags) file in the build output. Default: none.'),
          permissions: z
            .array(permissionSchema, { error: (issue) => (issue.input === undefined ? undefined : 'must be a list of IAM statements') })
            .min(1, { error: 'must list at least one statement: what the template creates' })
            .describe('What the CloudFormation execution role may do: exactly what the template creates.'),
          handlerPermissionsNotNeeded: z
            .array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9*?.]+$/, { error: 'must be an IAM action such as "ec2:DescribeVpcs"' }))
            .default([])
            .describe(
              "Permissions that the template's resource handlers list but this template never triggers (e.g. ec2:DescribeVpcs for a function without VpcConfig). Default: none.",
            ),
        }),
      ],
      { error: (issue) => (issue.code === 'invalid_union' ? 'must be "lambda-container", "ecs-service" or "cloudformation"' : undefined) },
    ),
  )
  .describe('The workload the pipeline builds and ships.');

export const targetSchema = z.strictObject({
  account: accountId.describe('Account the stage deploys into.'),
  regions: z.array(region).min(1, { error: 'must list at least one region' }).describe('Regions of that account the stage deploys into.'),
});

export const stageSchema = z.strictObject({
  name: label('stage name').describe('Stage name, e.g. `dev`; also part of the CloudFormation stack name.'),
  approval: z.boolean().default(false).describe('Stop for a manual approval before this stage changes anything. Default: false.'),
  targets: z
    .array(targetSchema)
    .min(1, { error: 'must list at least one { "account", "regions" } target; a stage (and its approval) needs somewhere to deploy' })
    .describe('Accounts and regions this stage deploys into.'),
});

/**
 * AWS Organizations identifiers (Organizations API reference: an organization id is "o-" followed by 10 to 32
 * lowercase letters or digits; a root id "r-" and 4 to 32; an OU id "ou-", 4 to 32, "-" and 8 to 32). A path is
 * how IAM's `aws:PrincipalOrgPaths` spells an OU: `o-.../r-.../ou-.../`, ending in "/".
 */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ORGANIZATION_PATH = /^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)*$/;
const organizationSchema = z
  .strictObject({
    id: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be an organization id in quotes, e.g. "o-a1b2c3d4e5"') })
      .regex(ORGANIZATION_ID, { error: (issue) => `must be an AWS Organizations id: "o-" and 10 to 32 lowercase letters or digits, e.g. "o-a1b2c3d4e5" (got "${echo(issue.input)}")` })
      .describe('The organization id (aws organizations describe-organization).'),
    paths: z
      .array(
        z
          .string()
          .regex(ORGANIZATION_PATH, { error: (issue) => `must be an organization path such as "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/" (organization, root, then OUs, each ending in "/") (got "${echo(issue.input)}")` }),
      )
      .min(1, { error: 'must list at least one path, or leave paths out to trust the whole organization' })
      .optional()
      .describe('OUs (with everything below them) whose accounts the grants trust, as aws:PrincipalOrgPaths spells them. Default: the whole organization.'),
  })
  .check((ctx) => {
    for (const [i, path] of (ctx.value.paths ?? []).entries()) {
      if (!path.startsWith(`${ctx.value.id}/`)) ctx.issues.push({ code: 'custom', input: path, path: ['paths', i], message: `must start with the organization id "${ctx.value.id}/" (got "${echo(path)}")` });
    }
  });

export const environmentSchema = z.strictObject({
  $schema: z.string().optional().describe('JSON schema reference for editors; ignored.'),
  name: label('environment name').optional().describe('Environment name: the stack name for `cdktf deploy <name>`. Default: the file name without extension.'),
  tooling: z
    .strictObject({
      account: accountId.describe('Tooling account id.'),
      region: region.describe('Region of the pipeline and the build.'),
    })
    .describe('The tooling account, which owns the pipeline, build, artifact stores and image repositories.'),
  organization: organizationSchema
    .optional()
    .describe(
      "The AWS Organization the target accounts belong to: grants to the target accounts' roles then name the organization (and its paths) and the role names instead of every account, so policies stay the same size at any account count; any account of the organization (within paths) with a role of those names is trusted. Default: grants name each account.",
    ),
  backend: backendSchema.default({ type: 'local' }),
  credentials: z
    .enum(['assume-role', 'tfc-dynamic'], { error: 'must be "assume-role" or "tfc-dynamic"' })
    .default('assume-role')
    .describe(
      'How Terraform gets into each account: "assume-role" chains from your credentials into a role of every account (default); "tfc-dynamic" uses HCP Terraform dynamic credentials, a plan and an apply role per account (cloud backend only).',
    ),
  terraformRoleName: iamRoleName
    .optional()
    .describe('Apply role: what Terraform assumes in every account to change it (deploys only). Default: terraform-apply-<workload>-<environment>.'),
  terraformPlanRoleName: iamRoleName
    .optional()
    .describe('Plan role: read-only, what plans assume in every account (npm run ci-setup writes both). Default: terraform-plan-<workload>-<environment>.'),
  targetAccountsPerStack: z
    .number({ error: 'must be a whole number of target accounts, e.g. 20' })
    .int({ error: 'must be a whole number of target accounts, e.g. 20' })
    .min(1, { error: 'must be at least 1; leave it out for one stack' })
    .optional()
    .describe(
      `Split the environment into independent stacks, each with its own state: \`<env>\` (the tooling account) and \`<env>-targets-<n>\` of at most this many target accounts. A target stack has one provider per account, and its offline plan needs 1.76-1.92 GiB at 15 accounts and up to 2.06 GiB at 16 (npm run bench:split, docs/performance.md): ${TARGET_ACCOUNTS_PER_STACK} keeps each within 2 GiB. Changing it moves resources between states. Default: one stack.`,
    ),
  source: z.strictObject(
    {
      owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: 'must be a GitHub user or organization name' }).describe('GitHub owner (user or organization).'),
      repository: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be a GitHub repository name' }).describe('GitHub repository name.'),
      branch: z.string().min(1).max(255).default('main').describe('Branch that triggers the pipeline. Default: main.'),
      connectionArn: connectionArn.optional().describe('Existing CodeConnections connection to use. Default: a new connection is created (one-time console handshake).'),
    },
    { error: 'is required: { "owner", "repository", "branch", "connectionArn"? } of the GitHub repository to build' },
  ).describe('The GitHub repository the pipeline builds, through a CodeConnections connection.'),
  workload: workloadSchema,
  pullRequests: z
    .strictObject({
      buildspec: repositoryPath('a buildspec file of the repository', 'lambda-src/buildspec-pr.yml', /^[A-Za-z0-9._/-]+\.ya?ml$/, 'must end in .yml or .yaml')
        .optional()
        .describe(
          "Buildspec of pull-request builds, read at synth from the branch synth runs on and held in the plan, so a pull request cannot change how it is built. Default: <workload.path>/buildspec-pr.yml.",
        ),
      commentApproval: z
        .enum(['ALL_PULL_REQUESTS', 'FORK_PULL_REQUESTS', 'DISABLED'])
        .default('ALL_PULL_REQUESTS')
        .describe('Which pull requests wait for a maintainer\'s approving comment before they build (CodeBuild PullRequestBuildPolicy). Default: ALL_PULL_REQUESTS.'),
      actors: z
        .array(z.string().regex(/^\d{1,20}$/, { error: 'must be a numeric GitHub account id (https://api.github.com/users/<login> shows it as "id")' }))
        .min(1, { error: 'must list at least one GitHub account id, or be left out to build every author\'s pull requests' })
        .optional()
        .describe('Build only pull requests by these GitHub account ids (webhook filter ACTOR_ACCOUNT_ID). Default: every author.'),
      connectionArn: connectionArn
        .optional()
        .describe(
          "A separate CodeConnections connection for pull-request builds (e.g. a GitHub App installation with read-only access), so the pipeline's connection is never in a build that runs a pull request's code. Default: source.connectionArn.",
        ),
    })
    .optional()
    .describe('Build and test pull requests into source.branch (never deploy); needs source.connectionArn of an AVAILABLE connection. Default: off.'),
  smokeTests: z
    .boolean()
    .default(false)
    .describe('After each wave, a function checks every deployment (stack complete, function answers, service steady) before promotion. Default: false.'),
  notifications: z
    .strictObject({
      emails: z
        .array(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { error: 'must be an email address' }))
        .default([])
        .describe('Addresses subscribed to the topic (each confirms once by email).'),
      slack: z
        .strictObject({
          workspaceId: z
            .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a Slack workspace (team) id') })
            .regex(/^[A-Z0-9]{9,11}$/, { error: 'must be the Slack workspace (team) id AWS Chatbot shows, e.g. "T07EA123LEP"' })
            .describe('Slack workspace authorized in the AWS Chatbot console.'),
          channelId: z
            .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a Slack channel id') })
            .regex(/^[A-Z0-9]{9,11}$/, { error: 'must be a Slack channel id, e.g. "C07EZ1ABC23"' })
            .describe('Channel that receives the notifications.'),
          region: z
            .enum(['us-east-2', 'us-west-2', 'eu-west-1', 'ap-southeast-1'], { error: 'must be a region with the AWS Chatbot API: us-east-2, us-west-2, eu-west-1 or ap-southeast-1' })
            .default('us-east-2')
            .describe('Region of the AWS Chatbot API the configuration is created in. Default: us-east-2.'),
        })
        .optional()
        .describe('Also post to Slack through AWS Chatbot. Default: no Slack.'),
      serviceLinkedRole: z
        .never({ error: 'is no longer needed: CodeStar Notifications creates its service-linked role with the first rule of an account, and the stack never deletes it; remove this field' })
        .optional()
        .describe('Removed: CodeStar Notifications creates its own service-linked role.'),
    })
    .optional()
    .describe('Pipeline notifications (failed, succeeded, approval needed) to an encrypted SNS topic. Default: none.'),
  imageScan: z
    .strictObject({
      failOn: z
        .enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'OFF'], { error: 'must be one of CRITICAL, HIGH, MEDIUM, LOW or OFF' })
        .default('HIGH')
        .describe('The build fails when the scan on push finds this severity or worse. Default: HIGH.'),
      allow: z
        .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{2,100}$/, { error: 'must be a finding name, e.g. "CVE-2024-12345"' }))
        .default([])
        .describe('Findings accepted anyway (CVE ids), with the reason in your review.'),
    })
    .default({ failOn: 'HIGH', allow: [] })
    .describe('Vulnerability gate of the image build (workloads with an image).'),
  stages: z.array(stageSchema).min(1, { error: 'must list at least one stage' }).describe('Ordered stages, e.g. dev, test, prod.'),
});

/** The environment file as written (before defaults). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** A validated environment, defaults applied. */
/** A validated environment: its name and both Terraform role names are always known (defaults per environment). */
export type EnvironmentConfig = Omit<z.output<typeof environmentSchema>, 'terraformRoleName' | 'terraformPlanRoleName'> & {
  name: string;
  terraformRoleName: string;
  terraformPlanRoleName: string;
};
export type StageConfig = z.output<typeof stageSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type WorkloadConfig = z.output<typeof workloadSchema>;
export type PermissionStatement = z.output<typeof permissionSchema>;
