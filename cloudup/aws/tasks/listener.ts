/**
 * Listener of the API load balancer (CreateListener with one forward action). Read from the listeners of the
 * cluster's load balancers and named `<port>.<load balancer name>`. A TLS listener ends TLS with
 * its certificate (ACM or IAM); its certificate and security policy are read back only from TLS
 * listeners, so a TCP listener compares without them.
 */

import { CreateListenerCommand, DeleteListenerCommand, DescribeListenersCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { listLoadBalancing } from '../listings/services.js';
import { awsKind } from './kind.js';

export interface ListenerFields {
  readonly loadBalancerArn: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'TLS';
  readonly targetGroupArn: string;
  /** TLS only. */
  readonly certificateArn?: string;
  /** TLS only; unset: the load balancer's default policy, not compared. */
  readonly sslPolicy?: string;
}

export const listenerTask = taskConstructor<ListenerFields>('Listener');

export const listenerName = (port: number, loadBalancer: string): string => `${port}.${loadBalancer}`;

function fields(l: Listener): ResolvedFields {
  const tls = l.Protocol === 'TLS';
  return {
    loadBalancerArn: l.LoadBalancerArn ?? '',
    port: l.Port ?? 0,
    protocol: l.Protocol ?? '',
    targetGroupArn: l.DefaultActions?.find((a) => a.Type === 'forward')?.TargetGroupArn ?? '',
    ...(tls ? { certificateArn: l.Certificates?.[0]?.CertificateArn ?? '', sslPolicy: l.SslPolicy ?? '' } : {}),
  };
}

const forward = (d: ListenerFields) => [{ Type: 'forward' as const, TargetGroupArn: d.targetGroupArn }];

/** What a TLS listener takes besides the TCP listener's fields. */
const tlsInput = (d: ListenerFields) =>
  d.protocol === 'TLS' ? { Certificates: [{ CertificateArn: d.certificateArn }], ...(d.sslPolicy === undefined ? {} : { SslPolicy: d.sslPolicy }) } : {};

export const listenerKind = awsKind<ListenerFields>({
  kind: 'Listener',
  uses: ['LoadBalancer', 'TargetGroup'],
  immutable: ['loadBalancerArn', 'port'],
  async list(ctx) {
    const { loadBalancers, listeners } = await listLoadBalancing(ctx);
    const lbName = new Map(loadBalancers.map((l) => [l.item.LoadBalancerArn, { name: l.tags['Name'] ?? l.item.LoadBalancerName!, shared: l.owner === 'kubernetes' && ctx.mode.reconciling }]));
    return listeners.map((l): LiveObject => {
      const lb = lbName.get(l.LoadBalancerArn);
      return { id: l.ListenerArn!, name: listenerName(l.Port ?? 0, lb?.name ?? ''), fields: fields(l), outputs: { id: l.ListenerArn! }, ...(lb?.shared ? { shared: true } : {}) };
    });
  },
  async find(ctx, task, d) {
    const found = (await ctx.clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: d.loadBalancerArn }))).Listeners ?? [];
    const l = found.find((x) => x.Port === d.port);
    return l ? { id: l.ListenerArn!, name: task.name, fields: fields(l), outputs: { id: l.ListenerArn! } } : undefined;
  },
  async create(ctx, task, d) {
    const out = await ctx.clients.elbv2.send(
      new CreateListenerCommand({ LoadBalancerArn: d.loadBalancerArn, Port: d.port, Protocol: d.protocol, DefaultActions: forward(d), ...tlsInput(d) }),
    );
    const l = out.Listeners![0]!;
    return { id: l.ListenerArn!, name: task.name, fields: fields(l), outputs: { id: l.ListenerArn! } };
  },
  async update(ctx, _task, live, d) {
    await ctx.clients.elbv2.send(new ModifyListenerCommand({ ListenerArn: live.id, Protocol: d.protocol, DefaultActions: forward(d), ...tlsInput(d) }));
    return { ...live, fields: { ...d } };
  },
  async delete(ctx, live) {
    await ctx.clients.elbv2.send(new DeleteListenerCommand({ ListenerArn: live.id }));
  },
});
