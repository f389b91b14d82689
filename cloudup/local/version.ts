import pkg from '../../package.json' with { type: 'json' };

/** The hoist version the daemon reports in daemon.json and /v1/status. */
export const LOCAL_CLOUD_VERSION: string = pkg.version;
