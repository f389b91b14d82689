/**
 * A KubeConfig whose API calls share one keep-alive HTTPS agent. @kubernetes/client-node makes
 * a new agent for every request, so each call of a polling stand-in (the controller-manager's
 * 1 s workload pass, the kubelet's 1 s pod sync) paid a new TLS context and handshake, on both
 * ends: most of an idle control-plane machine's CPU. The agent is rebuilt when the credentials
 * it would use change (the kubelet's certificate after its TLS bootstrap).
 */

import { Agent } from 'node:https';
import type { AgentOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

type Context = Parameters<KubeConfig['applySecurityAuthentication']>[0];

const KEY_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'] as const;

export class KeepAliveKubeConfig extends KubeConfig {
  private shared: { key: string; agent: Agent } | undefined;

  override async applySecurityAuthentication(context: Context): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    // Only a plain HTTPS agent is shared (not a proxy's, not plain HTTP).
    if (fresh === undefined || fresh.constructor !== Agent) return;
    const options = (fresh as Agent & { options: AgentOptions }).options;
    const key = KEY_FIELDS.map((f) => String(options[f] ?? '')).join('\0');
    if (this.shared?.key !== key) {
      this.shared?.agent.destroy();
      this.shared = { key, agent: new Agent({ ...options, keepAlive: true }) };
    }
    context.setAgent(this.shared.agent);
  }

  /** Closes the shared agent's idle connections (at a stand-in's stop). */
  destroyAgent(): void {
    this.shared?.agent.destroy();
    this.shared = undefined;
  }
}
