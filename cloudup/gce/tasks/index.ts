/** Every task kind of the GCE cloud. */
import type { TaskKind } from '../../../src/engine/task.js';
import type { GceContext } from '../context.js';
import { addressKind } from './address.js';
import { bucketIamMemberKind } from './bucket-iam-member.js';
import { diskKind } from './disk.js';
import { discoveryBucketReaderKind } from './discovery-bucket-reader.js';
import { gceDiscoveryDocumentKind } from './discovery-document.js';
import { poolProviderKind } from './pool-provider.js';
import { serviceAccountIamMemberKind } from './service-account-iam-member.js';
import { workloadIdentityPoolKind } from './workload-identity-pool.js';
import { dnsRecordKind } from './dns-record.js';
import { firewallKind } from './firewall.js';
import { forwardingRuleKind } from './forwarding-rule.js';
import { httpHealthCheckKind } from './http-health-check.js';
import { instanceGroupManagerKind } from './instance-group-manager.js';
import { instanceTemplateKind } from './instance-template.js';
import { managedZoneKind } from './managed-zone.js';
import { regionBackendServiceKind } from './region-backend-service.js';
import { regionHealthCheckKind } from './region-health-check.js';
import { networkKind } from './network.js';
import { projectIamMemberKind } from './project-iam-member.js';
import { routerKind } from './router.js';
import { serviceAccountKind } from './service-account.js';
import { subnetworkKind } from './subnetwork.js';
import { targetPoolKind } from './target-pool.js';

export const GCE_KINDS: ReadonlyMap<string, TaskKind<GceContext>> = new Map(
  [networkKind, subnetworkKind, firewallKind, instanceTemplateKind, instanceGroupManagerKind, targetPoolKind, addressKind, forwardingRuleKind, diskKind, managedZoneKind, dnsRecordKind, httpHealthCheckKind, routerKind, serviceAccountKind, projectIamMemberKind, bucketIamMemberKind, regionHealthCheckKind, regionBackendServiceKind, gceDiscoveryDocumentKind, discoveryBucketReaderKind, workloadIdentityPoolKind, poolProviderKind, serviceAccountIamMemberKind].map((k) => [k.kind, k]),
);
