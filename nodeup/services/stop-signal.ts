/**
 * When a node service started as its own process (the addon applier, the API health port, the
 * etcd backups) must stop: SIGTERM from systemd, SIGINT, or, under the local cloud's supervisor,
 * the end of its IPC channel, so that it never outlives the machine that started it.
 *
 * The channel may have closed already while the service was starting (a machine stopped seconds
 * after it started its services): then `process.connected` is false and `process.channel` null,
 * no 'disconnect' comes any more, and a service that waited for one ran on with no machine.
 */
export function onServiceStop(stop: () => void): void {
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.connected === false) {
    queueMicrotask(stop);
    return;
  }
  if (process.channel) {
    process.once('disconnect', stop);
    process.channel.unref();
  }
}
