#!/bin/sh
# npm run demo: a cluster on the embedded local cloud, kept in ./.hoist-demo, validated through
# its Kubernetes API, with a kubeconfig the user can point kubectl at next.
set -e
demo="$PWD/.hoist-demo"
export HOIST_STATE_STORE="file://$demo/state" HOIST_LOCAL_CLOUD_DIR="$demo/local-cloud"
h="node dist/hoist.js"
cluster=demo.k8s.local
kubeconfig="$demo/kubeconfig"

$h get clusters $cluster >/dev/null 2>&1 || $h create cluster $cluster
$h update cluster $cluster --yes
# A second preview shows that the cloud now matches the spec.
$h update cluster $cluster
$h get instancegroups --name $cluster
$h local-cloud status
echo
$h export kubeconfig $cluster --admin --kubeconfig "$kubeconfig"
# The cloud's groups, nodeup's reports, and through the API: every machine's Node Ready and the
# control plane's pods running.
$h validate cluster $cluster --wait 3m --kubeconfig "$kubeconfig"
echo
echo "The cluster runs on the local cloud in $demo. Its Kubernetes API, with an admin certificate valid for 18h:"
echo "  KUBECONFIG=$kubeconfig kubectl get nodes"
echo "Remove it with:"
echo "  HOIST_STATE_STORE=$HOIST_STATE_STORE HOIST_LOCAL_CLOUD_DIR=$HOIST_LOCAL_CLOUD_DIR $h delete cluster $cluster --yes"
echo "  HOIST_LOCAL_CLOUD_DIR=$HOIST_LOCAL_CLOUD_DIR $h local-cloud stop"
