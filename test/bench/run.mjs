// Runs every benchmark, prints its figures, and exits 1 when one misses its target.
// Needs the bundle (npm run build) and, for the s3:// figures, moto_server on the PATH.
import { benchManyInstanceGroups, benchStartup } from './startup.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const results = [];
console.log(`hoist benchmarks on ${process.platform}/${process.arch}, node ${process.version}\n`);
await benchStartup(results);
await benchManyInstanceGroups(results);
await (await import('./executor.mjs')).benchExecutor(results);
await (await import('./nodeup.mjs')).benchNodeup(results);
await (await import('./rolling.mjs')).benchRolling(results);
await (await import('./aws.mjs')).benchAws(results);
await (await import('./etcd.mjs')).benchEtcd(results);
const missed = results.filter((r) => !r.ok);
console.log(`\n${results.length - missed.length} of ${results.length} figures within target`);
process.exitCode = missed.length === 0 ? 0 : 1;
