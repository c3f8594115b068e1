// eslint-disable-next-line @typescript-eslint/no-require-imports
const { respond } = require('../server.js');

describe('ECS example service', () => {
  it('answers the health check', () => {
    expect(respond('/health', {})).toEqual({ status: 200, body: { ok: true } });
  });

  it('describes the running task', () => {
    expect(respond('/', { SERVICE_NAME: 'web', STAGE: 'prod', AWS_REGION: 'eu-west-1' }).body).toEqual({ service: 'web', stage: 'prod', region: 'eu-west-1' });
  });
});
