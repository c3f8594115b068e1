/**
 * Deterministic names and ARNs.
 *
 * Every name that another account's policy refers to is computed here from (workload, environment)
 * so that policies can name principals before they exist (docs/DESIGN.md, invariant 2) and a re-created
 * role keeps the ARN its grants were written for.
 */

/** Hard limits AWS puts on the names we derive. */
export const NAME_LIMITS = {
  iamRole: 64,
  s3Bucket: 63,
  codePipeline: 100,
  codePipelineStageOrAction: 100,
  codeBuildProject: 255,
  connection: 32,
  cloudFormationStack: 128,
  lambdaFunction: 64,
} as const;

/**
 * Prefixes and suffixes S3 reserves in general purpose bucket names ("General purpose buckets naming rules",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): CreateBucket refuses them.
 */
export const S3_RESERVED = {
  prefixes: ['xn--', 'sthree-', 'amzn-s3-demo-'],
  suffixes: ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'],
} as const;

/** What S3's naming rules say against a bucket name, beyond its length; undefined when it is fine. */
export function reservedBucketName(bucket: string): string | undefined {
  const prefix = S3_RESERVED.prefixes.find((p) => bucket.startsWith(p));
  if (prefix) return `starts with "${prefix}", a prefix S3 reserves`;
  const suffix = S3_RESERVED.suffixes.find((x) => bucket.endsWith(x));
  return suffix ? `ends with "${suffix}", a suffix S3 reserves` : undefined;
}

/** Characters CodePipeline accepts in pipeline, stage and action names. */
export const CODEPIPELINE_NAME_PATTERN = /^[A-Za-z0-9.@_-]+$/;

/** Names of everything one environment creates, derived from the workload and environment names. */
export interface Names {
  /** `<workload>-<environment>`: the stem of every other name. */
  readonly prefix: string;
  readonly pipeline: string;
  readonly pipelineRole: string;
  readonly buildProject: string;
  readonly buildRole: string;
  readonly buildLogGroup: string;
  /** Project, role and log group of the check that the source commit is on the pipeline's branch. */
  readonly sourceCheckProject: string;
  readonly sourceCheckRole: string;
  readonly sourceCheckLogGroup: string;
  /** Project, role and log group of pull-request builds. */
  readonly pullRequestProject: string;
  readonly pullRequestRole: string;
  readonly pullRequestLogGroup: string;
  /** Function (and its role) that checks each wave after deployment. */
  readonly smokeTest: string;
  /** Log group Lambda writes the smoke test function's logs to. */
  readonly smokeTestLogGroup: string;
  /** SNS topic of the pipeline's notifications, its key alias, and the AWS Chatbot role that reads the pipeline. */
  readonly notificationTopic: string;
  readonly notificationKeyAlias: string;
  readonly chatbotRole: string;
  /** Role in each target account that the pipeline role assumes for deploy actions. */
  readonly actionRole: string;
  /** Read-only role in each target account that the smoke test function assumes to check deployments. */
  readonly smokeCheckRole: string;
  /** Role in each target account that CloudFormation assumes to change the workload stack. */
  readonly executionRole: string;
  /**
   * Managed policy in every account: the permissions boundary of every role the stack creates. ci-setup creates it
   * (outside the `<prefix>-` names the apply role changes), so neither the apply role nor a role it creates can
   * rewrite it (docs/security.md).
   */
  readonly roleBoundary: string;
  /** Managed policy in each target account, created by ci-setup as `roleBoundary`: the boundary of every role the execution role creates. */
  readonly workloadBoundary: string;
  readonly repository: string;
  readonly connection: string;
  readonly keyAlias: string;
  artifactBucket(account: string, region: string): string;
  /** CloudFormation stack (and Lambda function) name of the workload in one stage. */
  stack(stage: string): string;
  /** Name the workload template gives the function's execution role (`<stack>-<region>`). */
  functionRole(stage: string, region: string): string;
  /**
   * Roles CI uses (docs/ci.md), outside the `<prefix>-` namespace the apply role manages, so it cannot change them:
   * the default plan and apply roles of every account and the GitHub entry roles of the tooling account.
   */
  readonly ci: { readonly planRole: string; readonly applyRole: string; readonly pullRequestEntry: string; readonly planEntry: string; readonly applyEntry: string };
}

export function names(workload: string, environment: string): Names {
  const prefix = `${workload}-${environment}`;
  const buildProject = `${prefix}-image`;
  const stack = (stage: string) => `${prefix}-${stage}`;
  return {
    prefix,
    pipeline: prefix,
    pipelineRole: `${prefix}-pipeline`,
    buildProject,
    buildRole: `${prefix}-build`,
    buildLogGroup: `/aws/codebuild/${buildProject}`,
    sourceCheckProject: `${prefix}-source-check`,
    sourceCheckRole: `${prefix}-source-check`,
    sourceCheckLogGroup: `/aws/codebuild/${prefix}-source-check`,
    pullRequestProject: `${prefix}-pr`,
    pullRequestRole: `${prefix}-pr-build`,
    pullRequestLogGroup: `/aws/codebuild/${prefix}-pr`,
    smokeTest: `${prefix}-smoke`,
    smokeTestLogGroup: lambdaLogGroup(`${prefix}-smoke`),
    notificationTopic: `${prefix}-pipeline`,
    notificationKeyAlias: `alias/${prefix}-notifications`,
    chatbotRole: `${prefix}-chatbot`,
    actionRole: `${prefix}-deploy`,
    smokeCheckRole: `${prefix}-smoke-check`,
    executionRole: `${prefix}-cfn-exec`,
    ...boundaryNames(prefix),
    repository: prefix,
    connection: prefix,
    keyAlias: `alias/${prefix}-artifacts`,
    artifactBucket: (account, region) => `${prefix}-artifacts-${account}-${region}`,
    stack,
    functionRole: (stage, region) => `${stack(stage)}-${region}`,
    ci: {
      planRole: `terraform-plan-${prefix}`,
      applyRole: `terraform-apply-${prefix}`,
      pullRequestEntry: `github-pr-${prefix}`,
      planEntry: `github-plan-${prefix}`,
      applyEntry: `github-apply-${prefix}`,
    },
  };
}

/** The two boundary policies of an environment (`Names.roleBoundary`, `Names.workloadBoundary`), from its prefix. */
export const boundaryNames = (prefix: string) => ({ roleBoundary: `terraform-boundary-${prefix}`, workloadBoundary: `terraform-workload-boundary-${prefix}` });

export const accountRoot = (account: string) => `arn:aws:iam::${account}:root`;
/** The log group Lambda writes a function's logs to. */
export const lambdaLogGroup = (functionName: string) => `/aws/lambda/${functionName}`;
export const pipelineArn = (account: string, region: string, pipeline: string) => `arn:aws:codepipeline:${region}:${account}:${pipeline}`;
/** The name of the n-th pipeline (from 1) of an environment whose waves need more than one (docs/scale.md). */
export const continuationName = (pipeline: string, n: number) => (n === 1 ? pipeline : `${pipeline}-${n}`);
export const topicArn = (account: string, region: string, topic: string) => `arn:aws:sns:${region}:${account}:${topic}`;
export const codeBuildProjectArn = (account: string, region: string, project: string) => `arn:aws:codebuild:${region}:${account}:project/${project}`;
export const roleArn = (account: string, role: string) => `arn:aws:iam::${account}:role/${role}`;
export const policyArn = (account: string, policy: string) => `arn:aws:iam::${account}:policy/${policy}`;
export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const repositoryArn = (account: string, region: string, repository: string) =>
  `arn:aws:ecr:${region}:${account}:repository/${repository}`;
export const logGroupArn = (account: string, region: string, logGroup: string) =>
  `arn:aws:logs:${region}:${account}:log-group:${logGroup}`;
export const stackArn = (account: string, region: string, stack: string) =>
  `arn:aws:cloudformation:${region}:${account}:stack/${stack}/*`;
export const lambdaFunctionArn = (account: string, region: string, fn: string) =>
  `arn:aws:lambda:${region}:${account}:function:${fn}`;

/** The account a `arn:aws:iam::<account>:...` ARN belongs to. */
export function accountOfArn(arn: string): string {
  const account = arn.split(':')[4];
  if (!account || !/^\d{12}$/.test(account)) {
    throw new Error(`"${arn}" is not an IAM ARN with a 12-digit account id`);
  }
  return account;
}

/**
 * Terraform's rule for identifiers (provider aliases among them): a letter or underscore first, then
 * letters, digits, underscores and dashes. Terraform refuses anything else at `terraform init`
 * ("An alias must be a valid name"); see docs/terraform.md.
 */
export const TERRAFORM_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Provider alias of an (account, region), readable in a plan: `tooling_eu_west_1` for the tooling
 * account, `account_222222222222_eu_west_1` for any other. An account id alone starts with a digit,
 * which Terraform refuses.
 */
export function providerAlias(account: string, region: string, toolingAccount: string): string {
  const alias = `${account === toolingAccount ? 'tooling' : `account_${account}`}_${region.replace(/-/g, '_')}`;
  if (!TERRAFORM_IDENTIFIER.test(alias)) throw new Error(`provider alias "${alias}" is not a Terraform identifier: check the account id and region`);
  return alias;
}
