/**
 * kops's own surface, as data: the fields of its v1alpha2 ClusterSpec and InstanceGroupSpec
 * (JSON names, kubernetes/kops pkg/apis/kops/v1alpha2) and its commands. docs/kops-migration.md
 * says what hoist does with each one, and test/api/kops-migration.test.ts checks the page
 * against this list and hoist's schema, so neither can drift.
 */

export const KOPS_CLUSTER_SPEC_FIELDS = [
  'channel', 'addons', 'configBase', 'cloudProvider', 'gossipConfig', 'containerRuntime', 'kubernetesVersion',
  'subnets', 'project', 'masterPublicName', 'masterInternalName', 'networkCIDR', 'additionalNetworkCIDRs',
  'networkID', 'topology', 'secretStore', 'keyStore', 'configStore', 'dnsZone', 'dnsControllerGossipConfig',
  'additionalSans', 'clusterDNSDomain', 'serviceClusterIPRange', 'podCIDR', 'nonMasqueradeCIDR', 'sshAccess',
  'nodePortAccess', 'egressProxy', 'sshKeyName', 'kubernetesApiAccess', 'isolateMasters', 'updatePolicy',
  'externalPolicies', 'additionalPolicies', 'fileAssets', 'etcdClusters', 'containerd', 'docker', 'kubeDNS',
  'kubeAPIServer', 'kubeControllerManager', 'cloudControllerManager', 'kubeScheduler', 'kubeProxy', 'kubelet',
  'masterKubelet', 'cloudConfig', 'externalDns', 'ntp', 'packages', 'nodeTerminationHandler',
  'nodeProblemDetector', 'metricsServer', 'certManager', 'awsLoadBalancerController', 'networking', 'api',
  'authentication', 'authorization', 'nodeAuthorization', 'cloudLabels', 'hooks', 'assets', 'iam',
  'encryptionConfig', 'DisableSubnetTags', 'target', 'useHostCertificates', 'sysctlParameters', 'rollingUpdate',
  'clusterAutoscaler', 'warmPool', 'serviceAccountIssuerDiscovery', 'serviceOIDCProvider', 'snapshotController',
  'karpenter', 'podIdentityWebhook',
] as const;

export const KOPS_INSTANCE_GROUP_SPEC_FIELDS = [
  'manager', 'role', 'image', 'minSize', 'maxSize', 'autoscale', 'machineType', 'rootVolumeSize', 'rootVolumeType',
  'rootVolumeIops', 'rootVolumeThroughput', 'rootVolumeOptimization', 'rootVolumeDeleteOnTermination',
  'rootVolumeEncryption', 'rootVolumeEncryptionKey', 'volumes', 'volumeMounts', 'subnets', 'zones', 'hooks',
  'maxPrice', 'spotDurationInMinutes', 'cpuCredits', 'associatePublicIp', 'additionalSecurityGroups',
  'cloudLabels', 'nodeLabels', 'fileAssets', 'tenancy', 'kubelet', 'taints', 'mixedInstancesPolicy',
  'additionalUserData', 'suspendProcesses', 'externalLoadBalancers', 'detailedInstanceMonitoring', 'iam',
  'securityGroupOverride', 'instanceProtection', 'sysctlParameters', 'rollingUpdate',
  'instanceInterruptionBehavior', 'compressUserData', 'instanceMetadata', 'updatePolicy', 'warmPool',
  'containerd', 'packages', 'guestAccelerators', 'maxInstanceLifetime', 'gcpProvisioningModel',
  'capacityRebalance',
] as const;

/** `kops <words>`, as its CLI reference lists them. */
export const KOPS_COMMANDS = [
  'create cluster', 'create instancegroup', 'create -f', 'create secret', 'create sshpublickey', 'create keypair',
  'delete cluster', 'delete instancegroup', 'delete -f', 'delete secret', 'delete sshpublickey', 'delete instance',
  'get clusters', 'get instancegroups', 'get instances', 'get secrets', 'get sshpublickeys', 'get keypairs',
  'get assets', 'get all',
  'edit cluster', 'edit instancegroup', 'replace -f', 'set cluster', 'set instancegroup', 'unset cluster',
  'unset instancegroup',
  'update cluster', 'upgrade cluster', 'reconcile cluster', 'rolling-update cluster', 'validate cluster',
  'export kubeconfig', 'promote keypair', 'distrust keypair',
  'toolbox dump', 'toolbox template', 'toolbox instance-selector', 'toolbox enroll', 'helpers kubectl-auth',
  'completion', 'version',
] as const;
