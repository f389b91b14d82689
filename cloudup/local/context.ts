import type { LocalCloudClient } from './client.js';

/** What the local cloud's task kinds work with. */
export interface LocalContext {
  readonly client: LocalCloudClient;
  readonly cluster: string;
  /** Tags every object of the cluster carries; discovery filters on them. */
  readonly tags: Readonly<Record<string, string>>;
  /** Objects the cluster uses but does not own, by kind (an existing network): never deleted. */
  readonly shared: ReadonlyMap<string, readonly string[]>;
  /** The session tears the cluster down: objects kept when they leave the spec go too. */
  readonly teardown?: boolean;
}
