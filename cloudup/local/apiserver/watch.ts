/**
 * Watches: a chunked stream of `{"type": …, "object": …}` lines, fed by an etcd watch on the
 * resource's key folder from the requested resourceVersion (or, without one, the current
 * objects as ADDED first). With a selector, an object that stops matching is reported DELETED
 * and one that starts matching ADDED, as kube-apiserver's watch cache does.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from './registry.js';
import { storageKey } from './resources.js';
import type { Resource } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { ApiError } from './status.js';
import type { KubeObject, WatchEvent } from './storage.js';

export interface WatchQuery {
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly timeoutSeconds?: number;
  /** Turns each object into what the client asked for (a Table row, for `kubectl get -w`). */
  readonly render: (object: KubeObject) => unknown;
}

type EventType = WatchEvent['type'];

export async function serveWatch(req: IncomingMessage, res: ServerResponse, registry: Registry, r: Resource, namespace: string | undefined, q: WatchQuery): Promise<void> {
  const label = labelMatcher(q.labelSelector);
  const field = fieldMatcher(q.fieldSelector);
  const matches = (o: KubeObject | undefined): boolean => o !== undefined && label(o) && field(o);
  let start = q.resourceVersion;
  const initial: KubeObject[] = [];
  if (start === undefined || start === '' || start === '0') {
    const list = await registry.list(r, namespace, { ...(q.labelSelector === undefined ? {} : { labelSelector: q.labelSelector }), ...(q.fieldSelector === undefined ? {} : { fieldSelector: q.fieldSelector }) });
    initial.push(...list.items);
    start = list.revision;
  } else if (!/^\d+$/.test(start)) {
    throw new ApiError(400, 'BadRequest', `resourceVersion ${JSON.stringify(start)} is not a number`);
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  // Clients wait for the headers before they consider the watch open.
  res.flushHeaders();
  const send = (type: EventType | 'ERROR', object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  for (const o of initial) send('ADDED', q.render(o));
  let stop: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    const s = stop;
    stop = undefined;
    if (s !== undefined) void s().catch(() => undefined);
    if (!res.writableEnded) res.end();
  };
  req.on('close', finish);
  const prefix = storageKey(r, r.namespaced ? namespace : undefined);
  try {
    stop = await registry.storage.watch(
      prefix,
      start,
      (ev) => {
        const now = matches(ev.object);
        const before = ev.type === 'MODIFIED' ? matches(ev.previous) : now;
        if (ev.type === 'MODIFIED' && now !== before) send(now ? 'ADDED' : 'DELETED', q.render(ev.object));
        else if (now) send(ev.type, q.render(ev.object));
      },
      (e) => {
        send('ERROR', new ApiError(410, 'Expired', `the watch ended: ${e.message}`).toStatus());
        finish();
      },
    );
  } catch (e) {
    send('ERROR', new ApiError(410, 'Expired', `too old resource version: ${start} (${e instanceof Error ? e.message : String(e)})`).toStatus());
    finish();
    return;
  }
  if (res.writableEnded) finish();
  if (q.timeoutSeconds !== undefined && q.timeoutSeconds > 0) timer = setTimeout(finish, q.timeoutSeconds * 1000);
}
