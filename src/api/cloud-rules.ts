/**
 * What differs between clouds in a spec, as one interface. src/api holds the rules every cloud
 * shares and asks these where a cloud differs; each cloud implements them in its own folder
 * (`cloudup/<cloud>/spec-rules.ts`, no SDK), and the registry (`cloudup/providers.ts`) hands them
 * to every path that accepts a spec. src/api never imports a cloud: validation, the kops import
 * and `create cluster` take the rules as a required argument, so no path can skip them.
 */

import { HoistError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import type { CloudTagRules } from './cloud-labels.js';
import type { CompletedSpec } from './defaults.js';
import type { ConversionReport } from './kops.js';
import type { NewClusterOptions } from './new-cluster.js';
import type { CloudProvider, ClusterSpec, Cluster, InstanceGroup } from './schema.js';

/** A kops document after conversion: the object and what the conversion dropped. */
export interface KopsImport<T extends Cluster | InstanceGroup> {
  readonly object: T;
  readonly report: ConversionReport;
}

export interface CloudSpecRules {
  readonly cloud: CloudProvider;
  /**
   * Subnets are regional (GCE): a subnet may give a region instead of a zone, a group on one
   * lists its zones, and `create cluster` makes one subnet for the region.
   */
  readonly regionalSubnets: boolean;
  /** A subnet that exists already (given by `id`) may leave out its zone: the cloud knows it (AWS). */
  readonly sharedSubnetsNeedNoZone: boolean;
  /** What the access lists (sshAccess, kubernetesApiAccess, nodePortAccess) take besides CIDRs, e.g. AWS prefix lists. */
  readonly accessListEntries?: {
    readonly accepts: (entry: string) => boolean;
    /** Said in the fix of an entry that is neither, e.g. "an AWS prefix list (pl-...)". */
    readonly described: string;
  };
  /** The cloud's rules for tags (or labels) a spec's cloudLabels become; absent on a cloud without limits. */
  readonly tags?: CloudTagRules;
  /**
   * The cloud makes IPv6 clusters (`nonMasqueradeCIDR: ::/0`, subnets' `ipv6CIDR`): a dual-stack
   * network with IPv6 routes, rules and machine addresses. Absent: such a spec is refused.
   */
  readonly ipv6?: boolean;
  /**
   * The cloud's IAM is the one kops's identity webhooks serve: `spec.podIdentityWebhook` hands
   * pods its roles and `spec.authentication.aws` signs users in with its identities, both from
   * images in its registry (the cloud's addons run them). Absent: either field is refused at its path.
   */
  readonly identityWebhooks?: boolean;
  /**
   * The cloud's machines have the instance metadata that kops's `spec.nodeTerminationHandler`
   * (aws-node-termination-handler, IMDS mode) watches, and the cloud's addons run it. Absent: the
   * field is refused at its path, and the kops import drops it.
   */
  readonly nodeTerminationHandler?: boolean;
  /**
   * The cloud makes the routes of subnets' `additionalRoutes` (its validate says to which targets,
   * from which subnets). Absent: the field is refused at its path.
   */
  readonly subnetRoutes?: boolean;
  /**
   * The cloud makes kops's warm pools (`spec.warmPool` of the Cluster and of InstanceGroups):
   * machines prepared and stopped ahead of a scale-up. Absent: either field is refused at its path.
   */
  readonly warmPool?: boolean;
  /** The cloud's own checks of a completed spec set, each problem with its field path, value and fix. */
  validate(spec: CompletedSpec): FieldProblem[];
  /**
   * The import of a kops spec of this cloud: drops from a converted document what hoist cannot
   * use on the cloud, each drop added to the document's report, so the import does not fail on it.
   */
  readonly fromKops?: {
    cluster(doc: KopsImport<Cluster>): KopsImport<Cluster>;
    instanceGroup(doc: KopsImport<InstanceGroup>): KopsImport<InstanceGroup>;
  };
  /** What `create cluster` does differently on this cloud. */
  readonly newCluster?: NewClusterRules;
}

export interface NewClusterRules {
  /** The zones when --zones is not given; without them --zones is required. */
  readonly defaultZones?: readonly string[];
  /** Problems of the flags only this cloud reads, e.g. a required --project. */
  flagProblems?(opts: NewClusterOptions): FieldProblem[];
  /** Fields of the Cluster's spec the cloud takes from the flags, e.g. its project. */
  clusterFields?(opts: NewClusterOptions): Partial<ClusterSpec>;
  /**
   * The API's names are DNS records in the cluster's dnsZone (AWS, GCE): a new cluster without
   * --dns-zone gets `topology.dns.type: None`, and so a load balancer whose own name everything uses.
   */
  readonly apiNamesNeedZone?: boolean;
}

/** Every cloud's rules: what a path needs that learns the cloud from the spec it reads. */
export type SpecRulesByCloud = Readonly<Record<CloudProvider, CloudSpecRules>>;

/** The rules of `cloud`, refusing another cloud's: a caller that passes the wrong ones is a defect. */
export function checkRules(rules: CloudSpecRules, cloud: CloudProvider): CloudSpecRules {
  if (rules.cloud !== cloud) throw new HoistError('INTERNAL', `the spec rules of ${rules.cloud} were given for a cluster on ${cloud}`);
  return rules;
}
