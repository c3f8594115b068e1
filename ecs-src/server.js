'use strict';
const http = require('node:http');

/** The response to a request: a health check and a description of the running task. */
function respond(url, env) {
  if (url === '/health') return { status: 200, body: { ok: true } };
  return { status: 200, body: { service: env.SERVICE_NAME ?? 'unknown', stage: env.STAGE ?? 'unknown', region: env.AWS_REGION ?? 'unknown' } };
}

if (require.main === module) {
  http
    .createServer((req, res) => {
      const { status, body } = respond(req.url, process.env);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    })
    .listen(Number(process.env.PORT ?? 8080));
}

module.exports = { respond };
