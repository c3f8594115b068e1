import { lambdaFunctionArn, lambdaLogGroup, logGroupArn, roleArn, stackArn } from '../model/naming';
import type { PermissionStatement } from '../config/schema';
import { expandPlaceholders } from '../model/workload';
import { StoreArns, artifactAccess } from './artifacts';
import { PolicyDocument, Statement, policy, writeLogs } from './document';
import { IMAGE_PULL_ACTIONS, IMAGE_PUSH_ACTIONS } from './repository';

/** One workload stack in a target account. */
export interface StackPlacement {
  readonly region: string;
  readonly stackName: string;
  /** Name of the function's own role that the workload template creates. */
  readonly functionRoleName: string;
}

export interface PipelineRolePolicyProps {
  /** Every regional artifact store: CodePipeline copies artifacts between them with this role. */
  readonly stores: readonly StoreArns[];
  readonly buildProjectArn: string;
  /** The project that checks the source commit is on the pipeline's branch, before the build. */
  readonly sourceCheckProjectArn: string;
  /** Action roles in the target accounts. */
  readonly actionRoleArns: readonly string[];
  readonly connectionArn: string;
  /** Notification topic the approvals publish to, and its key. Default: none. */
  readonly notifications?: { readonly topicArn: string; readonly keyArn: string };
  /** Smoke test function the Invoke actions run. Default: none. */
  readonly smokeTestFunctionArn?: string;
  /** The pipelines after the first of a chain, which the pipelines before them start. Default: none (one pipeline). */
  readonly continuationArns?: readonly string[];
}

export function pipelineRolePolicy(props: PipelineRolePolicyProps): PolicyDocument {
  return policy(
    ...artifactAccess(props.stores, 'write'),
    {
      Sid: 'RunImageBuild',
      Effect: 'Allow',
      Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
      Resource: [props.sourceCheckProjectArn, props.buildProjectArn],
    },
    { Sid: 'AssumeDeployActionRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [...props.actionRoleArns].sort() },
    {
      // The service was renamed; which prefix IAM evaluates depends on how the connection was created.
      Sid: 'UseSourceConnection',
      Effect: 'Allow',
      Action: ['codestar-connections:UseConnection', 'codeconnections:UseConnection'],
      Resource: props.connectionArn,
    },
    ...(props.notifications
      ? [
          { Sid: 'PublishApprovalRequests', Effect: 'Allow' as const, Action: 'sns:Publish', Resource: props.notifications.topicArn },
          { Sid: 'EncryptApprovalRequests', Effect: 'Allow' as const, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: props.notifications.keyArn },
        ]
      : []),
    ...(props.smokeTestFunctionArn ? [{ Sid: 'RunSmokeTests', Effect: 'Allow' as const, Action: 'lambda:InvokeFunction', Resource: props.smokeTestFunctionArn }] : []),
    // The invoke action starts the next pipeline as the invoking pipeline's role ("AWS CodePipeline invoke action reference").
    ...(props.continuationArns?.length ? [{ Sid: 'StartNextPipelines', Effect: 'Allow' as const, Action: 'codepipeline:StartPipelineExecution', Resource: [...props.continuationArns] }] : []),
  );
}

/**
 * What CodeBuild calls to clone a repository through a connection, for a `CODEBUILD_CLONE_REF` source artifact or
 * a GitHub source (CodePipeline User Guide, "Add CodeBuild GitClone permissions for connections"). Both prefixes:
 * which one IAM evaluates depends on how the connection was created.
 */
export function cloneThroughConnection(connectionArn: string): Statement {
  return {
    Sid: 'CloneThroughConnection',
    Effect: 'Allow',
    Action: [
      'codeconnections:GetConnection',
      'codeconnections:GetConnectionToken',
      'codeconnections:UseConnection',
      'codestar-connections:GetConnection',
      'codestar-connections:GetConnectionToken',
      'codestar-connections:UseConnection',
    ],
    Resource: connectionArn,
  };
}

export interface SourceCheckRolePolicyProps {
  readonly account: string;
  readonly region: string;
  /** The pipeline region's artifact store, where the source artifact (a clone reference) is. */
  readonly store: StoreArns;
  readonly logGroup: string;
  readonly connectionArn: string;
}

/** The source check reads the clone reference, clones through the connection and writes its logs: nothing else. */
export function sourceCheckRolePolicy(props: SourceCheckRolePolicyProps): PolicyDocument {
  return policy(writeLogs(props.account, props.region, props.logGroup), ...artifactAccess([props.store], 'read'), cloneThroughConnection(props.connectionArn));
}

export interface BuildRolePolicyProps {
  readonly account: string;
  readonly region: string;
  /** The primary region's artifact store, where CodeBuild reads the source and writes its output. */
  readonly store: StoreArns;
  readonly logGroup: string;
  /** Image repositories in every deploy region. */
  readonly repositoryArns: readonly string[];
  /** The source connection: the source artifact is a clone reference the build clones through it. */
  readonly connectionArn: string;
}

export function buildRolePolicy(props: BuildRolePolicyProps): PolicyDocument {
  return policy(
    writeLogs(props.account, props.region, props.logGroup),
    ...artifactAccess([props.store], 'write'),
    cloneThroughConnection(props.connectionArn),
    ...(props.repositoryArns.length
      ? [
          // GetAuthorizationToken has no resource-level permissions.
          { Sid: 'RegistryLogin', Effect: 'Allow' as const, Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          { Sid: 'PushImages', Effect: 'Allow' as const, Action: IMAGE_PUSH_ACTIONS, Resource: [...props.repositoryArns].sort() },
        ]
      : []),
  );
}

export interface ActionRolePolicyProps {
  readonly account: string;
  readonly stacks: ReadonlyArray<{ region: string; stackName: string }>;
  readonly executionRoleArn: string;
  /** Artifact stores of the regions this account is deployed to. */
  readonly stores: readonly StoreArns[];
}

/** What CodePipeline's CloudFormation change-set actions call with the action role. */
export function actionRolePolicy(props: ActionRolePolicyProps): PolicyDocument {
  return policy(
    {
      Sid: 'ManageWorkloadChangeSets',
      Effect: 'Allow',
      Action: [
        'cloudformation:CreateChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStacks',
        'cloudformation:ExecuteChangeSet',
      ],
      Resource: uniqueSorted(props.stacks.map((s) => stackArn(props.account, s.region, s.stackName))),
    },
    {
      Sid: 'PassExecutionRoleToCloudFormation',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: props.executionRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    },
    // Change-set actions produce no output artifact: read only (docs/security.md).
    ...artifactAccess(props.stores, 'read'),
  );
}

export interface ExecutionRolePolicyProps {
  readonly account: string;
  readonly stacks: readonly StackPlacement[];
  /** Managed policy every role the execution role creates must carry as its permissions boundary. */
  readonly boundaryArn: string;
  /** The tooling account's image repositories in this account's regions. */
  readonly repositoryArns: readonly string[];
  /** Artifact stores of this account's regions (templates may read artifacts). */
  readonly stores: readonly StoreArns[];
}

/**
 * Handler permissions of the resource types in `lambda-src/template.yaml` that the execution role does not get,
 * each with the property that would make a handler call it; the template sets none of them (a test reads the
 * template and checks). Granting them would let a rewritten template open the function (AddPermission) or
 * reach other accounts' resources for nothing.
 */
export const LAMBDA_TEMPLATE_UNUSED_HANDLER_PERMISSIONS: Readonly<Record<string, string>> = {
  'ec2:DescribeNetworkInterfaces': 'AWS::Lambda::Function VpcConfig',
  'ec2:DescribeSecurityGroups': 'AWS::Lambda::Function VpcConfig',
  'ec2:DescribeSubnets': 'AWS::Lambda::Function VpcConfig',
  'ec2:DescribeVpcs': 'AWS::Lambda::Function VpcConfig',
  'elasticfilesystem:DescribeMountTargets': 'AWS::Lambda::Function FileSystemConfigs',
  'kms:CreateGrant': 'AWS::Lambda::Function KmsKeyArn',
  'kms:Encrypt': 'AWS::Lambda::Function KmsKeyArn',
  'kms:GenerateDataKey': 'AWS::Lambda::Function KmsKeyArn',
  'lambda:GetCodeSigningConfig': 'AWS::Lambda::Function CodeSigningConfigArn',
  'lambda:PutFunctionCodeSigningConfig': 'AWS::Lambda::Function CodeSigningConfigArn',
  'lambda:GetLayerVersion': 'AWS::Lambda::Function Layers',
  'lambda:PutRuntimeManagementConfig': 'AWS::Lambda::Function RuntimeManagementConfig',
  'lambda:AddPermission': 'AWS::Lambda::Function Policy',
  'lambda:RemovePermission': 'AWS::Lambda::Function Policy',
  'lambda:PutResourcePolicy': 'AWS::Lambda::Function Policy',
  'lambda:DeleteResourcePolicy': 'AWS::Lambda::Function Policy',
  'logs:PutDataProtectionPolicy': 'AWS::Logs::LogGroup DataProtectionPolicy',
  'logs:CreateLogDelivery': 'AWS::Logs::LogGroup FieldIndexPolicies',
  's3:REST.PUT.OBJECT': 'AWS::Logs::LogGroup FieldIndexPolicies',
  'firehose:TagDeliveryStream': 'AWS::Logs::LogGroup FieldIndexPolicies',
  'logs:PutResourcePolicy': 'AWS::Logs::LogGroup ResourcePolicyDocument',
  'logs:DescribeResourcePolicies': 'AWS::Logs::LogGroup ResourcePolicyDocument',
  'logs:AssociateKmsKey': 'AWS::Logs::LogGroup KmsKeyId',
  'logs:DisassociateKmsKey': 'AWS::Logs::LogGroup KmsKeyId',
};

/**
 * Resources of the workload stacks in one account, one entry per stack whatever its regions, so that an account
 * serving many stages stays within a role's 10,240 inline characters (docs/DESIGN.md, invariant 13). A stack's
 * function and log group have the stack's name in every region (any region of this account: only the
 * pipeline's change sets, limited to the stack's regions, use the role).
 */
export function workloadStackResources(account: string, stackNames: readonly string[]) {
  const stacks = uniqueSorted(stackNames);
  const logGroups = stacks.map((stack) => logGroupArn(account, '*', lambdaLogGroup(stack)));
  return {
    functions: stacks.map((stack) => lambdaFunctionArn(account, '*', stack)),
    logGroups: [...logGroups, ...logGroups.map((g) => `${g}:*`)],
  };
}

/** Exactly what the workload template (`lambda-src/template.yaml`) creates: a function, its role and its log group. */
export function executionRolePolicy(props: ExecutionRolePolicyProps): PolicyDocument {
  const { account, stacks } = props;
  const { functions, logGroups } = workloadStackResources(account, stacks.map((s) => s.stackName));
  // The exact role of each (stack, region), never a name pattern: a pattern can take a role that exists before
  // the stack does, whose trust the execution role could then rewrite (docs/security.md). Past 10,240
  // characters the statements go to managed policies (packRolePermissions).
  const functionRoles = uniqueSorted(stacks.map((s) => roleArn(account, s.functionRoleName)));
  return policy(
    {
      // Roles come into being, and get or lose policies, only with the boundary: a rewritten template cannot
      // mint an administrator (docs/security.md). Nothing here may change or remove the boundary itself.
      Sid: 'CreateFunctionRolesWithinBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy'],
      Resource: functionRoles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': props.boundaryArn } },
    },
    {
      Sid: 'ManageFunctionRoles',
      Effect: 'Allow',
      Action: [
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:GetRolePolicy',
        // CloudFormation's AWS::IAM::Role handlers list these on delete and on rollback of a failed create;
        // without them a failed first deploy ends in ROLLBACK_FAILED and a teardown in DELETE_FAILED.
        'iam:ListAttachedRolePolicies',
        'iam:ListRolePolicies',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:UpdateRole',
      ],
      Resource: functionRoles,
    },
    {
      Sid: 'PassFunctionRolesToLambda',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: functionRoles,
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    },
    {
      Sid: 'ManageFunctions',
      Effect: 'Allow',
      Action: [
        // The AWS::Lambda::Function handlers' permissions (registry schema, src/workloads/cfn-handler-permissions.json)
        // on this function, except those of properties the template does not set (LAMBDA_TEMPLATE_UNUSED_HANDLER_PERMISSIONS).
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:DeleteFunctionCodeSigningConfig',
        'lambda:DeleteFunctionConcurrency',
        'lambda:GetFunction',
        'lambda:GetFunctionCodeSigningConfig',
        'lambda:GetFunctionConfiguration',
        'lambda:GetFunctionRecursionConfig',
        'lambda:GetPolicy',
        'lambda:GetResourcePolicy',
        'lambda:GetRuntimeManagementConfig',
        'lambda:PutFunctionConcurrency',
        'lambda:ListTags',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
      ],
      Resource: functions,
    },
    {
      Sid: 'ManageFunctionLogGroups',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup',
        'logs:DeleteDataProtectionPolicy',
        'logs:DeleteLogGroup',
        'logs:DeleteRetentionPolicy',
        'logs:GetDataProtectionPolicy',
        'logs:ListTagsForResource',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      Resource: logGroups,
    },
    {
      Sid: 'ReadLogGroups',
      Effect: 'Allow',
      Action: 'logs:DescribeLogGroups',
      Resource: uniqueSorted(stacks.map((s) => logGroupArn(account, s.region, '*'))),
    },
    // Lambda checks that the caller of CreateFunction/UpdateFunctionCode may pull the image.
    { Sid: 'PullWorkloadImage', Effect: 'Allow', Action: IMAGE_PULL_ACTIONS, Resource: uniqueSorted(props.repositoryArns) },
    ...artifactAccess(props.stores, 'read'),
  );
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

export interface EcsActionRolePolicyProps {
  readonly account: string;
  /** Regions of this account with the service. */
  readonly regions: readonly string[];
  readonly cluster: string;
  readonly service: string;
  /** Task role and task execution role of the service: the deploy registers a task definition naming them. */
  readonly taskRoleArns: readonly string[];
  /** Artifact stores of those regions (the action reads imagedefinitions). */
  readonly stores: readonly StoreArns[];
}

/** What CodePipeline's ECS deploy action calls with the action role: a new task definition revision, then the service update. */
export function ecsActionRolePolicy(props: EcsActionRolePolicyProps): PolicyDocument {
  const { account, regions, cluster } = props;
  const inRegions = (resource: (region: string) => string) => uniqueSorted(regions.map(resource));
  return policy(
    {
      Sid: 'UpdateWorkloadServices',
      Effect: 'Allow',
      Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
      Resource: inRegions((r) => `arn:aws:ecs:${r}:${account}:service/${cluster}/${props.service}`),
    },
    {
      Sid: 'WatchServiceTasks',
      Effect: 'Allow',
      Action: ['ecs:DescribeTasks', 'ecs:ListTasks'],
      Resource: [...inRegions((r) => `arn:aws:ecs:${r}:${account}:task/${cluster}/*`), ...inRegions((r) => `arn:aws:ecs:${r}:${account}:container-instance/${cluster}/*`)],
    },
    // Task definitions have no resource-level permissions for these two actions.
    { Sid: 'RegisterTaskDefinitions', Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'], Resource: '*' },
    {
      Sid: 'TagNewTaskDefinitions',
      Effect: 'Allow',
      Action: 'ecs:TagResource',
      Resource: inRegions((r) => `arn:aws:ecs:${r}:${account}:task-definition/*`),
      Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    },
    {
      Sid: 'PassTaskRolesToEcs',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: uniqueSorted(props.taskRoleArns),
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    ...artifactAccess(props.stores, 'read'),
  );
}

export interface TemplateExecutionRolePolicyProps {
  readonly account: string;
  readonly stacks: ReadonlyArray<{ region: string; stackName: string }>;
  /** Statements from the environment file; `{account}`, `{region}`, `{stack}` expand per stack of this account. */
  readonly permissions: readonly PermissionStatement[];
  readonly stores: readonly StoreArns[];
}

/** The execution role of a `cloudformation` workload: the statements the environment file grants, per account. */
export function templateExecutionRolePolicy(props: TemplateExecutionRolePolicyProps): PolicyDocument {
  const places = props.stacks.map((s) => ({ account: props.account, region: s.region, stackName: s.stackName }));
  const expand = (v: string | string[]) => uniqueSorted((Array.isArray(v) ? v : [v]).flatMap((x) => expandPlaceholders(x, places)));
  return policy(
    ...props.permissions.map((p, i) => ({
      Sid: p.Sid || `TemplateResources${i + 1}`,
      Effect: 'Allow' as const,
      Action: p.Action,
      Resource: expand(p.Resource),
      ...(p.Condition ? { Condition: p.Condition as Statement['Condition'] } : {}),
    })),
    ...artifactAccess(props.stores, 'read'),
  );
}
