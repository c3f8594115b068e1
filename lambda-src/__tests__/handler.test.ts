import { describe as describeFunction, handler } from '../src/handler';

const context = { awsRequestId: 'req-1', functionName: 'orders-api-example-dev' };

describe('workload handler', () => {
  it('reports the stage, region and image it runs', () => {
    const report = describeFunction(
      { STAGE: 'prod', AWS_REGION: 'us-east-1', IMAGE_URI: '111111111111.dkr.ecr.us-east-1.amazonaws.com/x@sha256:ab' },
      context,
    );
    expect(report).toEqual({
      service: 'orders-api-example-dev',
      stage: 'prod',
      region: 'us-east-1',
      image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/x@sha256:ab',
      requestId: 'req-1',
    });
  });

  it('says unknown rather than failing when the environment is not set', () => {
    expect(describeFunction({}, context)).toMatchObject({ stage: 'unknown', region: 'unknown', image: 'unknown' });
  });

  it('answers 200 with a JSON body', async () => {
    process.env.STAGE = 'dev';
    const response = await handler({}, context);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toMatchObject({ stage: 'dev', requestId: 'req-1' });
    delete process.env.STAGE;
  });
});
