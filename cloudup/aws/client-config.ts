/**
 * An AWS SDK client's configuration from the command's environment, apart from the clients
 * themselves so that a module which creates one client only when it needs it (./account.ts)
 * loads no SDK to know how.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface ClientConfigOptions {
  readonly region: string;
  readonly env: Env;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
}

/**
 * The endpoint (AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL), the keys in the environment
 * or else the SDK's default chain, adaptive retries.
 */
export function clientConfig(options: ClientConfigOptions, endpointVar: string) {
  const endpoint = options.env[`AWS_ENDPOINT_URL_${endpointVar}`] ?? options.env['AWS_ENDPOINT_URL'];
  const accessKeyId = options.env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = options.env['AWS_SECRET_ACCESS_KEY'];
  return {
    region: options.region,
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts,
    ...(endpoint ? { endpoint } : {}),
    // Keys in the command's environment win; otherwise the SDK's default chain applies.
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, sessionToken: options.env['AWS_SESSION_TOKEN'] } }
      : {}),
  };
}
