// proxy-from-env 2 ships no type declarations.
declare module 'proxy-from-env' {
  /** The proxy for `url` by http_proxy, https_proxy, all_proxy and no_proxy of process.env; '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
