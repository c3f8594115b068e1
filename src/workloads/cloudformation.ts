import { join } from 'node:path';
import type { WorkloadConfig } from '../config/schema';
import type { ConfigIssue } from '../config/issue';
import { HANDLER_PERMISSIONS, STACK_HANDLERS, TemplateResource, actionMatches, handlerGaps, templateResources } from './cloudformation-template';
import { checkTemplate } from './template-schema';
import { roleArn, stackArn } from '../model/naming';
import { policy } from '../policy/document';
import { actionRolePolicy, templateExecutionRolePolicy } from '../policy/roles';
import { ARTIFACTS, changeSetActions } from './pipeline-actions';
import type { WorkloadKind } from './workload-kind';
import { roleHandingStatements } from './role-grants';

type CloudFormation = Extract<WorkloadConfig, { kind: 'cloudformation' }>;

/**
 * Any CloudFormation template from the build output (cfn-src/), deployed as change sets with the permissions the
 * environment file lists for its execution role (checked against the template's handler permissions at load).
 */
export const cloudformation: WorkloadKind<CloudFormation> = {
  kind: 'cloudformation',
  actionsPerDeployment: 2,
  usesImages: false,
  usesChangeSets: true,
  deploysFunctions: false,
  containerName: () => undefined,
  waveActions: (workload, deployments, roles) =>
    changeSetActions(deployments, roles, () => ({
      TemplatePath: `${ARTIFACTS.build}::${workload.template}`,
      ...(workload.parameters ? { TemplateConfiguration: `${ARTIFACTS.build}::${workload.parameters}` } : {}),
      Capabilities: 'CAPABILITY_IAM,CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND',
    })),
  policies: (workload, t) => ({
    action: actionRolePolicy({ account: t.account, stacks: t.deployments, executionRoleArn: roleArn(t.account, t.names.executionRole), stores: t.stores }),
    execution: templateExecutionRolePolicy({ account: t.account, stacks: t.deployments, permissions: workload.permissions, stores: t.stores }),
  }),
  smokeCheckPolicy: (_workload, t) =>
    policy({
      Sid: 'ReadWorkloadStacks',
      Effect: 'Allow',
      Action: 'cloudformation:DescribeStacks',
      Resource: [...new Set(t.deployments.map((d) => stackArn(t.account, d.region, d.stackName)))].sort(),
    }),
  storeReaders: (_workload, account, n) => [roleArn(account, n.actionRole), roleArn(account, n.executionRole)],
  imagePuller: () => undefined,
  taskRoles: () => undefined,
  checks: (workload) =>
    roleHandingStatements(workload.permissions).map(({ index, action, role }) => ({
      path: `workload.permissions[${index}]`,
      message: `allows ${action} on roles the template does not create (IAM allows it on ${role}): the template could become any role; list the role ARNs it creates, e.g. "arn:aws:iam::{account}:role/{stack}-*"`,
    })),
  fileChecks: (workload, read) => templateHandlerIssues(workload, read),
};

/**
 * Reads the template (`<workload.path>/<workload.template>`, from the repository root synth runs in) and requires
 * `permissions` to grant every permission the handlers of its resource types declare, so a rollback or a
 * teardown cannot fail half-way (src/workloads/cloudformation-template.ts).
 */
function templateHandlerIssues(workload: CloudFormation, read: (path: string) => string): ConfigIssue[] {
  const templatePath = join(workload.path, workload.template);
  let resources: TemplateResource[];
  let text: string;
  try {
    text = read(templatePath);
    resources = templateResources(text);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (synth reads it from the repository root)' : (err as Error).message;
    return [{ path: 'workload.template', message: `cannot read the resources of ${templatePath}: ${reason}` }];
  }
  // CloudFormation would refuse these at the change set, after a build and a deploy to dev: refuse them at synth.
  const schemaIssues = checkTemplate(text).map((i) => ({ path: 'workload.template', message: `${templatePath}:${i.line}: ${i.message} (CloudFormation resource schemas, src/workloads/template-schema.ts)` }));
  if (schemaIssues.length > 0) return schemaIssues;
  const granted = workload.permissions.flatMap((p) => (Array.isArray(p.Action) ? p.Action : [p.Action]));
  const { gaps, unknownTypes } = handlerGaps(resources, granted, workload.handlerPermissionsNotNeeded);
  const issues: ConfigIssue[] = unknownTypes.map((type) => ({
    path: 'workload.template',
    message: `${templatePath} uses ${type}, whose handler permissions are not in src/workloads/cfn-handler-permissions.json; add it with \`npm run cfn-handlers -- <schema.json>\` (schema from \`aws cloudformation describe-type --type RESOURCE --type-name ${type} --query Schema --output text\`)`,
  }));
  for (const gap of gaps) {
    issues.push({
      path: 'workload.permissions',
      message: `${gap.type} (${gap.logicalIds.join(', ')} in ${templatePath}) needs ${gap.missing.map((m) => `${m.action} (${m.handlers.join('/')})`).join(', ')}; add them to permissions, or to handlerPermissionsNotNeeded if the template never triggers them`,
    });
  }
  const handlerActions = resources.flatMap((r) => STACK_HANDLERS.flatMap((h) => HANDLER_PERMISSIONS[r.type]?.handlers[h] ?? []));
  workload.handlerPermissionsNotNeeded.forEach((pattern, i) => {
    if (!handlerActions.some((a) => actionMatches(pattern, a))) {
      issues.push({ path: `workload.handlerPermissionsNotNeeded[${i}]`, message: `"${pattern}" is no handler permission of a resource in ${templatePath}; remove it` });
    }
  });
  return issues;
}
