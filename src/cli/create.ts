/** `hoist create -f FILE`, `hoist create cluster NAME`, `hoist create instancegroup NAME`. */

import type { Command } from 'commander';
import { runCreateCluster } from './create-cluster.js';
import type { CreateClusterOptions } from './create-cluster.js';
import { runCreateFromFile } from './create-file.js';
import { runCreateInstanceGroup } from './create-instancegroup.js';
import type { CreateInstanceGroupOptions } from './create-instancegroup.js';
import type { Runner } from './program.js';
import { collect, collectRaw, integer } from './shared/flags.js';

export function registerCreate(program: Command, run: Runner): void {
  const create = program
    .command('create')
    .description('create a cluster, an instance group, or the objects in a spec file')
    .option('-f, --filename <file>', 'spec file with Cluster and InstanceGroup documents (- for standard input)')
    .action(async (opts: { filename?: string }, cmd: Command) =>
      run(cmd, (ctx) => runCreateFromFile({ filename: opts.filename }, ctx)),
    );

  create
    .command('cluster')
    .argument('[name]', 'cluster name, a DNS name such as demo.example.com (or demo.k8s.local)')
    .description('create a cluster spec in the state store (no cloud changes until `hoist update cluster`)')
    .option('--cloud <cloud>', 'local, aws or gce', 'local')
    .option('--zones <zones>', 'comma-separated zones for the nodes, e.g. us-east-1a,us-east-1b', collect, [])
    .option('--control-plane-zones <zones>', 'zones for the control plane (default: the first of --zones)', collect, [])
    .option('--control-plane-count <n>', 'number of control-plane machines (odd: 1, 3, 5)', integer('--control-plane-count'))
    .option('--control-plane-size <type>', 'machine type of the control plane')
    .option('--node-count <n>', 'number of worker nodes', integer('--node-count'))
    .option('--node-size <type>', 'machine type of the worker nodes')
    .option('--kubernetes-version <version>', 'Kubernetes version, e.g. 1.34.2')
    .option('--network-cidr <cidr>', 'the network (VPC) CIDR, e.g. 172.20.0.0/16')
    .option('--network-id <id>', 'use this existing network (VPC) instead of creating one')
    .option('--topology <topology>', 'public or private', 'public')
    .option('--ssh-public-key <file>', 'SSH public key file to install on the machines')
    .option('--dns-zone <zone>', 'DNS zone for the API record')
    .option('--project <project>', 'GCE project')
    .option('--networking <mode>', 'the pod network: flannel (default), cilium, calico, kindnet, amazonvpc (aws), kubenet or cni (bring your own)')
    .option('--image <image>', 'machine image of every instance group')
    .option('--node-image <image>', 'machine image of the nodes (over --image)')
    .option('--control-plane-image <image>', 'machine image of the control plane (over --image)')
    .option('--admin-access <cidrs>', 'CIDRs allowed to reach the API (default 0.0.0.0/0), comma-separated or repeated', collect, [])
    .option('--ssh-access <cidrs>', 'CIDRs allowed to SSH (default: --admin-access)', collect, [])
    .option('--api-loadbalancer-type <type>', 'put the API behind a public or internal load balancer')
    .option('--api-ssl-certificate <arn>', 'aws: certificate ARN of a TLS listener on the API load balancer')
    .option('--cloud-labels <labels>', 'tags of every cloud resource, e.g. "Owner=John Doe,Team=Some Team"')
    .option('--dns <type>', 'public, private or none: the API\'s DNS records (public or private without --dns-zone: the zone is found in the cloud)')
    .option('--bastion', 'add a bastion instance group (private topology only)')
    .option('--associate-public-ip [bool]', 'give the machines public addresses: --associate-public-ip=true or =false')
    .option('--control-plane-volume-size <gib>', 'root volume size of the control plane in GiB', integer('--control-plane-volume-size'))
    .option('--node-volume-size <gib>', 'root volume size of the nodes in GiB', integer('--node-volume-size'))
    .option('--subnets <ids>', 'existing subnets to use, one per zone of --zones in its order', collect, [])
    .option('--utility-subnets <ids>', 'existing utility subnets of a private topology, one per zone in its order', collect, [])
    .option('--ipv6', 'an IPv6 cluster (aws): nonMasqueradeCIDR ::/0, an IPv6 /64 per subnet, cilium unless --networking calico')
    .option('-y, --yes', 'create the cluster in the cloud at once (what update cluster --yes runs)')
    .option('--target <target>', 'direct, or terraform: write the Terraform module to --out (as update cluster --target terraform)')
    .option('--out <dir>', 'with --target terraform: the folder to write the module to')
    .option('--set <path=value>', 'set a field of the new Cluster, e.g. --set spec.kubeProxy.enabled=false (repeatable)', collectRaw, [])
    .option('--unset <path>', 'remove a field of the new Cluster (repeatable)', collectRaw, [])
    .option('--dry-run', 'print the spec instead of storing it')
    .option('-o, --output <format>', 'with --dry-run: yaml or json', 'yaml')
    .action(async (name: string | undefined, opts: CreateClusterOptions, cmd: Command) =>
      run(cmd, (ctx) => runCreateCluster({ ...opts, name }, ctx)),
    );

  create
    .command('instancegroup')
    .alias('ig')
    .argument('<name>', 'instance group name')
    .description('add an instance group to a cluster')
    .option('--role <role>', 'Node, ControlPlane, APIServer or Bastion', 'Node')
    .option('--subnets <subnets>', 'comma-separated subnet names (default: every subnet the cluster has for this role)', collect, [])
    .option('--machine-type <type>', 'machine type')
    .option('--min-size <n>', 'minimum number of machines', integer('--min-size'))
    .option('--max-size <n>', 'maximum number of machines', integer('--max-size'))
    .option('--dry-run', 'print the instance group instead of storing it')
    .option('-o, --output <format>', 'with --dry-run: yaml or json', 'yaml')
    .action(async (name: string, opts: CreateInstanceGroupOptions, cmd: Command) =>
      run(cmd, (ctx) => runCreateInstanceGroup({ ...opts, name }, ctx)),
    );
}
