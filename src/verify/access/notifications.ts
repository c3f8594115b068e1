/**
 * Approval requests published to the encrypted topic.
 */
import { Paths, PipelineContext } from './collector';
import { Target } from './principals';

/** Approval requests published to the encrypted topic. */
export function notificationPaths(p: Paths, c: PipelineContext): void {
  const { allow, model } = p;
  const { pipeline, pipelineRole, actions } = c;
  for (const topicArn of new Set(actions.map((a) => a.configuration?.NotificationArn).filter(Boolean))) {
    const topic: Target & { keyArn?: string } = model.topics.get(topicArn) ?? { arn: topicArn, account: pipeline.account, label: `topic ${topicArn} (not in this plan)` };
    allow('pipeline role publishes approval requests', pipelineRole, 'sns:Publish', topic);
    if (topic.keyArn) {
      allow('pipeline role encrypts approval requests', pipelineRole, 'kms:GenerateDataKey', model.keyTarget(topic.keyArn), {
        context: { 'kms:ViaService': `sns.${pipeline.region}.amazonaws.com` },
      });
    }
  }

}
