/**
 * Load balancers as real TCP proxies: one listening socket per listener on the balancer's own
 * loopback address, each connection forwarded to the next healthy target (round robin).
 * Targets are the running instances of the groups that name the balancer; a health check
 * probes them every interval, and a connection that finds no healthy target is closed.
 * Like a cloud's balancer it uses thresholds: one slow probe on a loaded machine must not
 * reset the connections of a target that is still serving.
 */

import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { EventSink } from '../../../src/output/events.js';
import { INSTANCE_ID_HEADER } from '../api-types.js';
import type { Instance, Listener, LoadBalancer } from '../api-types.js';
import { ApiError, conflict } from './api-error.js';
import type { CloudState } from './state.js';

export interface LoadBalancerContext {
  readonly state: CloudState;
  readonly events: EventSink;
  /** How long one probe may take before the target counts as unhealthy. */
  readonly probeTimeoutMs: number;
  /** Consecutive failed probes that take a healthy target out (default 3). */
  readonly unhealthyThreshold?: number;
  /** Consecutive passed probes that bring back a target that was taken out (default 2). */
  readonly healthyThreshold?: number;
}

/** What the health check knows of one target. */
interface TargetHealth {
  healthy: boolean;
  /** Once taken out, a target needs `healthyThreshold` passes; a new one needs only its first. */
  takenOut: boolean;
  /** Consecutive probes that disagreed with `healthy`. */
  streak: number;
}

interface Proxy {
  readonly servers: Map<number, Server>;
  readonly sockets: Set<Socket>;
  next: number;
  healthy: ReadonlySet<string>;
  readonly health: Map<string, TargetHealth>;
}

export class LoadBalancerController {
  private readonly ctx: LoadBalancerContext;
  private readonly proxies = new Map<string, Proxy>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(ctx: LoadBalancerContext) {
    this.ctx = ctx;
  }

  /** The running instances of the groups that name `lbId`. */
  targets(lbId: string): Instance[] {
    const groups = new Set(this.ctx.state.list('instanceGroups').filter((g) => g.loadBalancerIds.includes(lbId)).map((g) => g.id));
    return this.ctx.state.list('instances').filter((i) => i.state === 'running' && groups.has(i.groupId));
  }

  /** Listens on every listener of `lb`; on any failure closes what it opened and throws Conflict. */
  async open(lb: LoadBalancer): Promise<void> {
    // After a restart the recorded healthy targets stay in until the thresholds say otherwise.
    const health = new Map(lb.healthyTargets.map((id): [string, TargetHealth] => [id, { healthy: true, takenOut: false, streak: 0 }]));
    const proxy: Proxy = { servers: new Map(), sockets: new Set(), next: 0, healthy: new Set(lb.healthyTargets), health };
    this.proxies.set(lb.id, proxy);
    try {
      await this.listenAll(lb, proxy, lb.listeners);
    } catch (e) {
      await this.close(lb.id);
      throw e;
    }
    this.ctx.events({ level: 'info', code: 'lb.listening', message: `load balancer ${lb.name} listens on ${lb.address} ports ${lb.listeners.map((l) => l.port).join(', ')}`, data: { id: lb.id } });
  }

  /** Makes the open listeners match `lb.listeners`; on failure the listeners are as before. */
  async reconfigure(before: LoadBalancer, after: LoadBalancer): Promise<void> {
    const proxy = this.proxies.get(after.id);
    if (proxy === undefined) return;
    const wanted = new Set(after.listeners.map((l) => l.port));
    const added = after.listeners.filter((l) => !proxy.servers.has(l.port));
    await this.listenAll(after, proxy, added);
    for (const l of before.listeners) {
      if (wanted.has(l.port)) continue;
      const server = proxy.servers.get(l.port);
      proxy.servers.delete(l.port);
      await closeServer(server);
    }
  }

  /** Stops listening and cuts the balancer's open connections. */
  async close(lbId: string): Promise<void> {
    const proxy = this.proxies.get(lbId);
    if (proxy === undefined) return;
    this.proxies.delete(lbId);
    const servers = [...proxy.servers.values()];
    for (const socket of proxy.sockets) socket.destroy();
    await Promise.all(servers.map(closeServer));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.proxies.keys()].map((id) => this.close(id)));
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.checkAll(), intervalMs);
    void this.checkAll();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** Probes every target of every open balancer once, and records who is healthy. */
  checkAll(): Promise<void> {
    this.checking ??= (async () => {
      try {
        await Promise.all([...this.proxies.keys()].map((id) => this.check(id)));
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  private async check(lbId: string): Promise<void> {
    const lb = this.ctx.state.get('loadBalancers', lbId);
    if (lb === undefined) return;
    const targets = this.targets(lbId);
    const results = await Promise.all(targets.map((t) => probe(t.address, lb.healthCheck, this.ctx.probeTimeoutMs, t.id)));
    const proxy = this.proxies.get(lbId);
    const current = this.ctx.state.get('loadBalancers', lbId);
    if (proxy === undefined || current === undefined) return;
    const healthy = targets.filter((t, i) => this.record(proxy, t.id, results[i] === true)).map((t) => t.id).sort();
    const ids = new Set(targets.map((t) => t.id));
    for (const id of proxy.health.keys()) if (!ids.has(id)) proxy.health.delete(id);
    proxy.healthy = new Set(healthy);
    if (healthy.join(',') === current.healthyTargets.join(',')) return;
    this.ctx.state.put('loadBalancers', { ...current, healthyTargets: healthy });
    this.ctx.events({ level: 'info', code: 'lb.targets', message: `load balancer ${lb.name}: healthy targets ${healthy.join(', ') || '(none)'}`, data: { id: lbId, healthy } });
  }

  /** Counts one probe of `id` against the thresholds; returns whether it is healthy now. */
  private record(proxy: Proxy, id: string, passed: boolean): boolean {
    const h = proxy.health.get(id);
    if (h === undefined) {
      proxy.health.set(id, { healthy: passed, takenOut: false, streak: 0 });
      return passed;
    }
    if (passed === h.healthy) {
      h.streak = 0;
      return h.healthy;
    }
    h.streak += 1;
    const needed = h.healthy ? (this.ctx.unhealthyThreshold ?? 3) : h.takenOut ? (this.ctx.healthyThreshold ?? 2) : 1;
    if (h.streak >= needed) {
      h.healthy = passed;
      h.takenOut ||= !passed;
      h.streak = 0;
    }
    return h.healthy;
  }

  private async listenAll(lb: LoadBalancer, proxy: Proxy, listeners: readonly Listener[]): Promise<void> {
    const opened: number[] = [];
    try {
      for (const listener of listeners) {
        const server = await listen(lb.address, listener.port, (socket) => this.forward(lb.id, listener, socket));
        proxy.servers.set(listener.port, server);
        opened.push(listener.port);
      }
    } catch (e) {
      for (const port of opened) {
        await closeServer(proxy.servers.get(port));
        proxy.servers.delete(port);
      }
      const message = `load balancer ${lb.name} cannot listen on ${lb.address}: ${e instanceof Error ? e.message : String(e)}`;
      // Someone else's socket does not go away by retrying: say so at once.
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ApiError(409, 'AddressInUse', `${message}: another process on this machine (another local cloud?) listens there`);
      throw conflict(message);
    }
  }

  private forward(lbId: string, listener: Listener, client: Socket): void {
    const proxy = this.proxies.get(lbId);
    const target = proxy === undefined ? undefined : this.pick(lbId, proxy);
    if (proxy === undefined || target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.address, port: listener.targetPort, allowHalfOpen: true });
    proxy.sockets.add(client);
    proxy.sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', () => {
      proxy.sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      proxy.sockets.delete(upstream);
      client.end();
    });
  }

  /** The next healthy target that is still a target (an instance that left is skipped at once). */
  private pick(lbId: string, proxy: Proxy): Instance | undefined {
    const candidates = this.targets(lbId).filter((t) => proxy.healthy.has(t.id));
    if (candidates.length === 0) return undefined;
    const target = candidates[proxy.next % candidates.length];
    proxy.next = (proxy.next + 1) % 1_000_000;
    return target;
  }
}

function listen(address: string, port: number, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
}

/**
 * A TCP connect, or with a path an HTTP GET answered with 2xx or 3xx, within `timeoutMs`, by
 * the instance `instanceId` itself (its `x-hoist-instance-id` header): on a machine shared
 * with another local cloud, whoever else listens at the address must not pass for it.
 */
export function probe(address: string, check: LoadBalancer['healthCheck'], timeoutMs: number, instanceId: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (check.path === undefined) {
      const socket = connect({ host: address, port: check.port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      return;
    }
    const req = request({ host: address, port: check.port, path: check.path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400;
      resolve(ok && res.headers[INSTANCE_ID_HEADER] === instanceId);
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', () => resolve(false));
    req.end();
  });
}
