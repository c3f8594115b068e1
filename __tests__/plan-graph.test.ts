import { criticalPathDepth, findCycle, planGraph } from '../src/plan/plan-graph';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { synth } from './support';

describe('plan graph', () => {
  it('follows references inside strings and depends_on, and ignores variables and metadata', () => {
    const graph = planGraph({
      resource: {
        aws_s3_bucket: { b: { bucket: 'x', '//': { ref: '${aws_kms_key.k.arn}' } } },
        aws_kms_key: { k: { policy: '{"Resource":"${var.bucket_arn}/*"}' } },
        aws_s3_bucket_policy: { p: { bucket: '${aws_s3_bucket.b.id}', policy: 'uses ${aws_kms_key.k.arn} and ${aws_s3_bucket.b.arn}' } },
        aws_codepipeline: { c: { depends_on: ['aws_s3_bucket_policy.p'] } },
      },
    });
    expect(graph.get('aws_s3_bucket.b')).toEqual(new Set());
    expect(graph.get('aws_kms_key.k')).toEqual(new Set());
    expect(graph.get('aws_s3_bucket_policy.p')).toEqual(new Set(['aws_s3_bucket.b', 'aws_kms_key.k']));
    expect(graph.get('aws_codepipeline.c')).toEqual(new Set(['aws_s3_bucket_policy.p']));
    expect(criticalPathDepth(graph)).toBe(3);
  });

  it('finds the cycle an inline role policy naming its key would create', () => {
    const graph = planGraph({
      resource: {
        aws_iam_role: { r: { inline_policy: [{ policy: '{"Resource":"${aws_kms_key.k.arn}"}' }] } },
        aws_kms_key: { k: { policy: '{"Principal":{"AWS":"${aws_iam_role.r.arn}"}}' } },
      },
    });
    expect(findCycle(graph)).toEqual(['aws_iam_role.r', 'aws_kms_key.k', 'aws_iam_role.r']);
    expect(() => criticalPathDepth(graph)).toThrow(/dependency cycle: aws_iam_role\.r -> aws_kms_key\.k -> aws_iam_role\.r/);
  });

  it('keeps every shipped environment shallow enough to apply in at most 6 parallel rounds', () => {
    for (const file of readdirSync('config').filter((f) => f.endsWith('.json') && f !== 'schema.json')) {
      const { json } = synth(JSON.parse(readFileSync(join('config', file), 'utf8')), join('config', file));
      expect({ file, tooDeep: criticalPathDepth(planGraph(json as never)) > 6 }).toEqual({ file, tooDeep: false });
    }
  });
});
