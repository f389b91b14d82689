/**
 * nodeup's own HTTP through the machine's egress proxy. Node.js 20 reads no proxy variable: its
 * `fetch` (the archives) and the AWS SDK's agents (the state store, EC2) connect directly, so on
 * a machine whose only way out is the proxy nodeup could read nothing. Here:
 *
 * - the state store (and any AWS SDK client nodeup makes) by the environment the boot script
 *   gives nodeup (http_proxy, https_proxy, no_proxy: the hoist-nodeup.service drop-in), which is
 *   all nodeup knows before it reads nodeup.yaml from that store;
 * - `fetch` by nodeup.yaml's egressProxy once read (its no_proxy also names the API's load
 *   balancer), else by the same environment.
 *
 * Which request goes where is the libraries' decision, not ours: undici's EnvHttpProxyAgent for
 * fetch, proxy-from-env for the SDK's agent, both reading no_proxy as Node.js tools do (a name
 * matches itself, `.corp.example` its subdomains, `name:port` that port only, `*` everything; no
 * CIDRs). The GCS client (gaxios) reads the variables itself. Without a proxy nothing is changed.
 */

import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import { Agent } from 'agent-base';
import type { AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

type Env = Readonly<Record<string, string | undefined>>;

/** The proxies and no_proxy list of a process, as curl reads them (the lower-case name first). */
export interface ProxyVariables {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy: string;
}

const variable = (env: Env, name: string): string | undefined => {
  const value = env[name] ?? env[name.toUpperCase()];
  return value === undefined || value === '' ? undefined : value;
};

/** The proxy an environment names, or undefined when it names none. */
export function proxyOfEnv(env: Env): ProxyVariables | undefined {
  const httpProxy = variable(env, 'http_proxy');
  const httpsProxy = variable(env, 'https_proxy');
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  return { ...(httpProxy === undefined ? {} : { httpProxy }), ...(httpsProxy === undefined ? {} : { httpsProxy }), noProxy: variable(env, 'no_proxy') ?? '' };
}

/** nodeup.yaml's egressProxy: one proxy for http and https, as the machine's services get it. */
export function proxyOfConfig(proxy: { readonly url: string; readonly noProxy: string }): ProxyVariables {
  return { httpProxy: proxy.url, httpsProxy: proxy.url, noProxy: proxy.noProxy };
}

let fetchProxy: string | undefined;

/**
 * Makes this process's `fetch` go through the proxy (undici's global dispatcher, which Node.js's
 * own fetch uses). Once per proxy: nodeup runs again and again in one process (the local cloud's
 * agent), and a process is one machine. Nothing without a proxy.
 */
export function routeFetch(proxy: ProxyVariables | undefined): void {
  if (proxy === undefined) return;
  const key = JSON.stringify(proxy);
  if (key === fetchProxy) return;
  const options = {
    ...(proxy.httpProxy === undefined ? {} : { httpProxy: proxy.httpProxy }),
    ...(proxy.httpsProxy === undefined ? {} : { httpsProxy: proxy.httpsProxy }),
    noProxy: proxy.noProxy,
    // An http:// URL as a plain request to the proxy, as curl sends it: squid's default
    // configuration refuses CONNECT to any port but 443. (Passed on to undici's ProxyAgent;
    // EnvHttpProxyAgent's type does not name it.)
    proxyTunnel: false,
  };
  setGlobalDispatcher(new EnvHttpProxyAgent(options as EnvHttpProxyAgent.Options));
  fetchProxy = key;
}

/**
 * An agent for the AWS SDK's http and https requests: each one through the proxy that
 * proxy-from-env names for its URL from this process's environment, or direct. What
 * proxy-agent's ProxyAgent does, without its PAC and SOCKS agents (a JavaScript engine for PAC
 * files) that an http proxy never needs.
 */
class EnvProxyAgent extends Agent {
  readonly #direct = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  readonly #proxied = new Map<string, http.Agent>();

  override connect(req: http.ClientRequest, opts: AgentConnectOpts): http.Agent | Duplex {
    const secure = opts.secureEndpoint;
    const url = new URL(req.path, `${secure ? 'https' : 'http'}://${String(req.getHeader('host'))}`).href;
    const proxy = getProxyForUrl(url);
    if (proxy === '') return secure ? this.#direct.https : this.#direct.http;
    const key = `${secure ? 'https' : 'http'} ${proxy}`;
    let agent = this.#proxied.get(key);
    if (agent === undefined) {
      agent = secure ? new HttpsProxyAgent(proxy, { keepAlive: true }) : new HttpProxyAgent(proxy, { keepAlive: true });
      this.#proxied.set(key, agent);
    }
    return agent;
  }

  override destroy(): void {
    for (const agent of [this.#direct.http, this.#direct.https, ...this.#proxied.values()]) agent.destroy();
    super.destroy();
  }
}

/**
 * The agent for an AWS SDK client's `requestHandler` when this process has a proxy, else
 * undefined (the SDK's own agents, unchanged). proxy-from-env reads `process.env`, so this does
 * too: nodeup's environment is the one the boot script gave it.
 */
export function sdkProxyAgent(): http.Agent | undefined {
  return proxyOfEnv(process.env) === undefined ? undefined : new EnvProxyAgent({ keepAlive: true });
}

/** `{ agent }` for openStore when this process has a proxy, else nothing. */
export function storeProxyOption(): { agent?: http.Agent } {
  const agent = sdkProxyAgent();
  return agent === undefined ? {} : { agent };
}
