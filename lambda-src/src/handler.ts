/** The subset of a Lambda context the handler uses. */
export interface Context {
  readonly awsRequestId: string;
  readonly functionName: string;
}

export interface Response {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the running function reports about itself: which stage, region and image it runs. */
export function describe(env: Record<string, string | undefined>, context: Context) {
  return {
    service: context.functionName,
    stage: env.STAGE ?? 'unknown',
    region: env.AWS_REGION ?? 'unknown',
    image: env.IMAGE_URI ?? 'unknown',
    requestId: context.awsRequestId,
  };
}

export async function handler(_event: unknown, context: Context): Promise<Response> {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(describe(process.env, context)),
  };
}
