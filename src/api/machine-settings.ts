/**
 * What one InstanceGroup's machines get from the Cluster's and the group's own settings, with
 * the defaults filled in: the one place that merges and defaults them (the model builders and
 * nodeup read only this). As in kops, the group's win: a file at the same path, a hook of the
 * same name, a kernel setting of the same name and each kubelet setting replace the Cluster's.
 */

import { CLOUD_DEFAULTS } from './cloud-defaults.js';
import { groupMachineSettings } from './defaults.js';
import type { ResolvedVolumeMount } from './defaults.js';
import type { Cluster, ClusterSpec, InstanceGroup, InstanceGroupSpec } from './schema.js';

type Kubelet = NonNullable<ClusterSpec['kubelet']>;
type FileAsset = NonNullable<ClusterSpec['fileAssets']>[number];
type Hook = NonNullable<ClusterSpec['hooks']>[number];

export const DEFAULT_FILE_MODE = '0440';

export interface MachineFile {
  readonly name: string;
  readonly path: string;
  /** The file's bytes as base64 when the spec gave them so, else its text. */
  readonly content: string;
  readonly isBase64: boolean;
  readonly mode: string;
}

export interface MachineHook {
  /** The systemd unit's name, with its `.service` suffix. */
  readonly name: string;
  readonly enabled: boolean;
  readonly requires: readonly string[];
  readonly before: readonly string[];
  readonly execContainer?: { readonly image: string; readonly command: readonly string[]; readonly environment: Readonly<Record<string, string>> };
  readonly manifest?: string;
  readonly useRawManifest: boolean;
}

export interface MachineSettings {
  readonly files: readonly MachineFile[];
  readonly hooks: readonly MachineHook[];
  /** Kernel settings from sysctlParameters, name to value. */
  readonly sysctls: Readonly<Record<string, string>>;
  readonly packages: readonly string[];
  readonly kubelet: Kubelet;
  /**
   * spec.ntp.managed: chrony, pointed at `server` (the cloud's time service) where the cloud has
   * one; undefined: the image's own time service is left as it is.
   */
  readonly ntp?: { readonly server?: string };
  /** The group's updatePolicy, else the Cluster's; undefined: the image's own setting is left. */
  readonly updatePolicy?: NonNullable<ClusterSpec['updatePolicy']>;
  /** The group's volumeMounts with their defaults (filesystem ext4, mount options defaults). */
  readonly volumeMounts: readonly ResolvedVolumeMount[];
}

const forRole = (role: string) => (x: { readonly roles?: readonly string[] | undefined }) => x.roles === undefined || x.roles.length === 0 || x.roles.includes(role);

export function hookUnitName(hook: Pick<Hook, 'name'>, index: number): string {
  const name = hook.name ?? `hoist-hook-${index}`;
  return name.includes('.') ? name : `${name}.service`;
}

/** `name=value` lines as a map; a later line of the same name wins, as in sysctl.conf. */
export function parseSysctlParameters(lines: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines ?? []) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

export function machineSettings(cluster: Pick<Cluster, 'spec'>, ig: Pick<InstanceGroup, 'spec'>): MachineSettings {
  const c = cluster.spec;
  const g: InstanceGroupSpec = ig.spec;
  const role = g.role;
  const plane = role === 'ControlPlane';
  const updatePolicy = g.updatePolicy ?? c.updatePolicy;
  const files = new Map<string, MachineFile>();
  for (const f of [...(c.fileAssets ?? []).filter(forRole(role)), ...(g.fileAssets ?? [])]) files.set(f.path, machineFile(f));
  const hooks = new Map<string, MachineHook>();
  (c.hooks ?? []).forEach((h, i) => {
    if (forRole(role)(h)) hooks.set(hookUnitName(h, i), machineHook(h, hookUnitName(h, i)));
  });
  (g.hooks ?? []).forEach((h, i) => hooks.set(hookUnitName(h, i), machineHook(h, hookUnitName(h, i))));
  return {
    files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)),
    hooks: [...hooks.values()].sort((a, b) => a.name.localeCompare(b.name)),
    sysctls: { ...parseSysctlParameters(c.sysctlParameters), ...parseSysctlParameters(g.sysctlParameters) },
    packages: [...new Set([...(c.packages ?? []), ...(g.packages ?? [])])].sort(),
    kubelet: { ...(c.kubelet ?? {}), ...(plane ? (c.controlPlaneKubelet ?? {}) : {}), ...(g.kubelet ?? {}) },
    ...ntpSettings(c),
    ...(updatePolicy !== undefined ? { updatePolicy } : {}),
    volumeMounts: groupMachineSettings(c.cloudProvider, g).volumeMounts,
  };
}

function ntpSettings(c: ClusterSpec): Pick<MachineSettings, 'ntp'> {
  if (c.ntp?.managed !== true) return {};
  const server = CLOUD_DEFAULTS[c.cloudProvider].timeServer;
  return { ntp: server !== undefined ? { server } : {} };
}

function machineFile(f: FileAsset): MachineFile {
  const mode = f.mode ?? DEFAULT_FILE_MODE;
  return { name: f.name, path: f.path, content: f.content, isBase64: f.isBase64 ?? false, mode: mode.length === 3 ? `0${mode}` : mode };
}

function machineHook(h: Hook, name: string): MachineHook {
  const e = h.execContainer;
  return {
    name,
    enabled: h.disabled !== true,
    requires: [...(h.requires ?? [])],
    before: [...(h.before ?? [])],
    ...(e ? { execContainer: { image: e.image, command: [...(e.command ?? [])], environment: { ...(e.environment ?? {}) } } } : {}),
    ...(h.manifest !== undefined ? { manifest: h.manifest } : {}),
    useRawManifest: h.useRawManifest ?? false,
  };
}
