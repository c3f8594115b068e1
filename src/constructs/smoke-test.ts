import { Construct } from 'constructs';
import { AssetType, TerraformAsset, TerraformProvider } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { assumableRoles, policy, serviceTrust, writeLogs } from '../policy/document';
import { lambdaLogGroup } from '../model/naming';
import { Role } from './role';

export interface SmokeTestProps {
  /** Provider of the tooling account in the pipeline region. */
  readonly provider: TerraformProvider;
  readonly account: string;
  readonly region: string;
  readonly functionName: string;
  readonly roleName: string;
  /** Folder with the function's code (lambda-src/smoke): zipped into the plan as an asset. */
  readonly codePath: string;
  /** The pipelines the function reads their stages from (the environment's, and its continuations). */
  readonly pipelineArns: readonly string[];
  /** Name of the read-only role in each target account that the function assumes to check deployments. */
  readonly checkRoleName: string;
  /** Target accounts, each with a role named `checkRoleName`. */
  readonly checkAccounts: readonly string[];
  /** Assume the check role by its name in any account (an environment that grants by organization). @default false */
  readonly checkRoleInAnyAccount?: boolean;
  /** Key that encrypts the function's log group (the pipeline region's artifact key). */
  readonly keyArn: string;
  /** Also invoke each deployed Lambda function (container Lambda workloads). Default: false. */
  readonly invokeFunctions?: boolean;
}

/**
 * The function a CodePipeline Invoke action runs after each wave: it checks every deployment of the wave in
 * its account and region (through that account's read-only check role, never the deploy role) and reports
 * to CodePipeline.
 */
export class SmokeTest extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    const { provider, account, region } = props;
    const code = new TerraformAsset(this, 'code', { path: props.codePath, type: AssetType.ARCHIVE });
    const logGroupName = lambdaLogGroup(props.functionName);
    const logs = new CloudwatchLogGroup(this, 'logs', { provider, name: logGroupName, retentionInDays: 90, kmsKeyId: props.keyArn });
    this.role = new Role(this, 'role', {
      provider,
      account,
      roleName: props.roleName,
      description: 'Smoke test of the delivery pipeline: checks each deployment through read-only roles',
      trustPolicy: serviceTrust('lambda.amazonaws.com', { StringEquals: { 'aws:SourceAccount': account } }),
      permissions: policy(
        writeLogs(account, region, logGroupName),
        { Sid: 'ReadPipelineStages', Effect: 'Allow', Action: 'codepipeline:GetPipeline', Resource: props.pipelineArns.length === 1 ? props.pipelineArns[0]! : [...props.pipelineArns] },
        // Job results have no resource-level permissions.
        { Sid: 'ReportJobResults', Effect: 'Allow', Action: ['codepipeline:PutJobFailureResult', 'codepipeline:PutJobSuccessResult'], Resource: '*' },
        { Sid: 'AssumeCheckRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: assumableRoles(props.checkRoleName, props.checkAccounts, props.checkRoleInAnyAccount) },
      ),
    });
    this.function = new LambdaFunction(this, 'function', {
      provider,
      functionName: props.functionName,
      description: 'Checks each deployment of a pipeline wave and reports to CodePipeline',
      role: this.role.role.arn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      filename: code.path,
      sourceCodeHash: code.assetHash,
      timeout: 300,
      memorySize: 256,
      environment: { variables: { SMOKE_INVOKE: String(props.invokeFunctions ?? false), CHECK_ROLE_NAME: props.checkRoleName } },
      loggingConfig: { logFormat: 'Text', logGroup: logs.name },
      dependsOn: [this.role.policy],
    });
  }
}
