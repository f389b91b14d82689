"""moto_server, with fixes of moto 5.2.1 that the AWS tests and benchmarks need.

CreateLaunchTemplate stores a version's UserData as moto's Base64EncodedString, but
CreateLaunchTemplateVersion stores it as the plain string it received; every launch from such a
version (an Auto Scaling group replacing a machine after a machine-type change) then fails an
assertion in moto/ec2/models/launch_templates.py with HTTP 500. Real EC2 launches from either.
This wraps UserData the way CreateLaunchTemplate does.

S3's conditional writes (If-Match, If-None-Match: *) are atomic on S3: of two writers that hold
the same ETag, one succeeds and the other gets 412. moto's server is threaded and checks the
condition, then stores the object, with nothing held in between, so two racing writers can both
succeed (the state store's lock relies on this). Here PUTs and DELETEs of objects run one at a
time, which gives the guarantee S3 gives.

DescribeLaunchTemplates and DescribeLaunchTemplateVersions return the first MaxResults items (15
when not given) and never a NextToken, so a client that pages, as EC2 asks, never sees the rest:
a cluster of over 200 groups (the plan benchmark) loses templates and their latest versions.
Here both page the way EC2 does.

A launch template's tags are copied when it is made, and DescribeLaunchTemplates answers with
that copy: CreateTags and DeleteTags on the template change its tags (filters see them) but never
what describe shows. Here describe shows the template's tags as they are.

EC2 filters by tag (`tag:<key>`, the ownership filter of every listing of a plan) read each
object's tags through a scan of every tag of the account, matched against a regular expression
per tag: a listing costs the objects of its type times the tags of the account, so with a cluster
of 200 groups applied, DescribeVolumes alone took about 0.7 s to answer 2 KB. Here an object's tags are read from its own entry of the backend's tags, the same
list the scan gives (`test/bench/aws.mjs`: docs/benchmarks.md).

Auto Scaling's DescribeTags returns every tag at once, never a NextToken; AWS returns up to
MaxRecords (50 when not given, at most 100) and pages the rest. Here it pages as AWS does.

DescribeAutoScalingGroups answers each group's instances even when IncludeInstances is false,
which AWS documents as leaving them out (a plan asks so: it compares the groups' settings); with
a machine per group, that is a fifth of the answer. Here the instances are left out when asked.

Auto Scaling groups drop MaxInstanceLifetime (create and update take it, describe never shows
it), so a group given one looks changed on every plan. Here the group keeps it.

A subnet's IPv6 association answers its state as the text of a dict ("{'State': 'associated'}")
where EC2 answers "associated", so Terraform's aws_subnet waits for an association that never
comes (three minutes, then fails). Here the state is the word EC2 gives.

ELBv2 takes SubnetMappings with an Elastic IP (AllocationId) or a private address
(PrivateIPv4Address) but drops both: a load balancer's AvailabilityZones never show their
LoadBalancerAddresses, as ELB's do, so a load balancer given addresses looks changed on every
plan. Here the addresses given on create (and SetSubnets) are kept and shown. moto still picks no
address of its own (an internal load balancer shows none unless given one) and does not check that
an Elastic IP exists or that an address is inside its subnet.

EC2 takes Ipv6PrefixCount on an instance's primary interface (RunInstances' NetworkInterfaces, or
its launch template's) and delegates that many IPv6 /80 prefixes of the subnet's /64 to the
interface; moto takes the count and drops it, so no interface ever shows Ipv6Prefixes. Here an
instance launched so gets them (distinct /80s of the subnet's /64, clear of the subnet's assigned
addresses), shown by DescribeInstances and DescribeNetworkInterfaces as EC2 shows them.

Auto Scaling's CompleteLifecycleAction is not implemented (nodeup completes a warm pool's
lifecycle hook with it). Here it answers as AWS does for a launch that waits on the hook: the
group, the hook and the instance (one of the group's) must exist, else ValidationError. moto
keeps no Pending:Wait state, so every instance of the group counts as waiting.

Then it runs moto_server with the same arguments (-H HOST -p PORT).
"""

import ipaddress
import random
import sys
import threading

try:
    from moto.core.types import Base64EncodedString
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult
    from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateVersion
    from moto.ec2.responses.launch_templates import LaunchTemplates
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.models.instances import Instance
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix, parse_user_data
    from moto.s3.responses import S3Response
    from moto.elbv2.models import AvailabilityZone, ELBv2Backend, FakeLoadBalancer
    from moto.server import main
except ImportError as e:
    sys.exit(f"cannot import moto ({e}): the AWS tests need moto 5.2.1: pip install 'moto[server]==5.2.1'")

_init = LaunchTemplateVersion.__init__


def _init_with_encoded_user_data(self, template, number, data, description):
    user_data = data.get("UserData")
    if user_data is not None and not isinstance(user_data, Base64EncodedString):
        data = {**data, "UserData": parse_user_data(user_data)}
    _init(self, template, number, data, description)


LaunchTemplateVersion.__init__ = _init_with_encoded_user_data

def _in_pages(describe, key):
    """EC2's paging (MaxResults, NextToken) around a moto describe call that returns one truncated page."""

    def run(self):
        max_results = self._get_int_param("MaxResults", 15)
        start = int(self._get_param("NextToken") or 0)
        # The original, asked for every item at once.
        get_int = self._get_int_param
        self._get_int_param = lambda name, if_none=None: 10**9 if name == "MaxResults" else get_int(name, if_none)
        try:
            everything = describe(self).result[key]
        finally:
            del self._get_int_param
        page = {key: everything[start : start + max_results]}
        if start + max_results < len(everything):
            page["NextToken"] = str(start + max_results)
        return ActionResult(page)

    return run


LaunchTemplates.describe_launch_templates = _in_pages(LaunchTemplates.describe_launch_templates, "LaunchTemplates")
LaunchTemplates.describe_launch_template_versions = _in_pages(LaunchTemplates.describe_launch_template_versions, "LaunchTemplateVersions")

def _current_tags(self):
    # What TaggedEC2Resource.get_tags gives, read from the template's own entry of the backend's
    # tags rather than by filtering every tag of the account.
    tags = self.ec2_backend.tags.get(self.id, {})
    return [{"resource_id": self.id, "key": k, "value": v, "resource_type": "launch-template"} for k, v in tags.items()]


# The constructor's assignment of its copy is dropped; every read sees the current tags.
LaunchTemplate.tags = property(_current_tags, lambda self, value: None)


def _own_tags(self):
    # What describe_tags(filters={"resource-id": [self.id]}) gives, in the same order.
    if not self.id:
        return []
    kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
    return [{"resource_id": self.id, "key": k, "value": v, "resource_type": kind} for k, v in self.ec2_backend.tags.get(self.id, {}).items()]


TaggedEC2Resource.get_tags = _own_tags


def _tags_in_pages(describe):
    def run(self):
        max_records = self._get_int_param("MaxRecords", 50)
        start = int(self._get_param("NextToken") or 0)
        everything = describe(self).result["Tags"]
        page = {"Tags": everything[start : start + max_records]}
        if start + max_records < len(everything):
            page["NextToken"] = str(start + max_records)
        return ActionResult(page)

    return run


AutoScalingResponse.describe_tags = _tags_in_pages(AutoScalingResponse.describe_tags)


class _WithoutInstances:
    """A group as DescribeAutoScalingGroups answers it with IncludeInstances=false."""

    def __init__(self, group):
        self._group = group

    @property
    def instances(self):
        return []

    def __getattr__(self, name):
        return getattr(self._group, name)


def _instances_when_asked(describe):
    def run(self):
        result = describe(self)
        if str(self._get_param("IncludeInstances", True)).lower() == "false":
            result.result["AutoScalingGroups"] = [_WithoutInstances(g) for g in result.result["AutoScalingGroups"]]
        return result

    return run


AutoScalingResponse.describe_auto_scaling_groups = _instances_when_asked(AutoScalingResponse.describe_auto_scaling_groups)


def _keeping_max_instance_lifetime(method):
    def run(self):
        result = method(self)
        lifetime = self._get_int_param("MaxInstanceLifetime")
        group = self.autoscaling_backend.autoscaling_groups.get(self._get_param("AutoScalingGroupName"))
        if lifetime is not None and group is not None:
            group.max_instance_lifetime = lifetime
        return result

    return run


AutoScalingResponse.create_auto_scaling_group = _keeping_max_instance_lifetime(AutoScalingResponse.create_auto_scaling_group)
AutoScalingResponse.update_auto_scaling_group = _keeping_max_instance_lifetime(AutoScalingResponse.update_auto_scaling_group)


def _complete_lifecycle_action(self):
    from moto.autoscaling.exceptions import ValidationError

    name = self._get_param("AutoScalingGroupName")
    hook = self._get_param("LifecycleHookName")
    instance = self._get_param("InstanceId")
    group = self.autoscaling_backend.autoscaling_groups.get(name)
    if group is None:
        raise ValidationError(f"Group {name} not found")
    if not self.autoscaling_backend.describe_lifecycle_hooks(as_name=name, lifecycle_hook_names=[hook]):
        raise ValidationError(f"No Lifecycle Hook found with name {hook} for group {name}")
    if instance not in [s.instance.id for s in group.instance_states]:
        raise ValidationError(f"No active Lifecycle Action found with instance ID {instance}")
    return ActionResult({})


AutoScalingResponse.complete_lifecycle_action = _complete_lifecycle_action

def _subnet_ipv6_associations(self):
    return [
        {"ipv6CidrBlock": a["ipv6CidrBlock"], "associationId": a["associationId"], "ipv6CidrBlockState": {"state": a["ipv6CidrBlockState"]["State"]}}
        for a in self.ipv6_cidr_block_associations.values()
        if a["ipv6CidrBlockState"]["State"] == "associated"
    ]


Subnet.ipv6_cidr_block_association_set = property(_subnet_ipv6_associations)

def _primary_prefix_count(backend, kwargs):
    """Ipv6PrefixCount of the primary interface (DeviceIndex 0): RunInstances' own, else its launch template's."""
    specs = [kwargs.get("nics") or []]
    if kwargs.get("launch_template"):
        specs.append(backend._get_template_from_args(kwargs["launch_template"]).data.get("NetworkInterfaces") or [])
    for spec in specs:
        for nic in spec:
            if int(nic.get("DeviceIndex") or 0) == 0 and nic.get("Ipv6PrefixCount") is not None:
                return int(nic["Ipv6PrefixCount"])
    return 0


def _delegate_prefixes(eni, count):
    associations = [a for a in eni.subnet.ipv6_cidr_block_associations.values() if a.get("ipv6CidrBlock")]
    if not associations:
        return
    block = ipaddress.IPv6Network(associations[0]["ipv6CidrBlock"])
    taken = set()
    for other in eni.ec2_backend.enis.values():
        if other.subnet is not None and other.subnet.id == eni.subnet.id:
            taken.update(p["Ipv6Prefix"] for p in getattr(other, "ipv6_prefixes", []))
            taken.update(str(ipaddress.IPv6Network(f"{a}/80", strict=False)) for a in other.ipv6_addresses)
    prefixes = []
    while len(prefixes) < count:
        prefix = str(ipaddress.IPv6Network((int(block.network_address) + (random.randrange(1, 1 << 16) << 48), 80)))
        if prefix not in taken:
            taken.add(prefix)
            prefixes.append({"Ipv6Prefix": prefix})
    # Serialized as Ipv6Prefixes (items of Ipv6Prefix) by both describes' shapes.
    eni.ipv6_prefixes = prefixes


_instance_init = Instance.__init__


def _init_with_ipv6_prefixes(self, ec2_backend, image_id, user_data, security_groups, **kwargs):
    _instance_init(self, ec2_backend, image_id, user_data, security_groups, **kwargs)
    count = _primary_prefix_count(ec2_backend, kwargs)
    primary = self.nics.get(0)
    if count > 0 and primary is not None:
        _delegate_prefixes(primary, count)


Instance.__init__ = _init_with_ipv6_prefixes

def _mapped_addresses(mappings):
    """A load balancer's LoadBalancerAddresses by subnet id, from the SubnetMappings it was given."""
    out = {}
    for m in mappings or []:
        address = {key: m[key] for key in ("PrivateIPv4Address", "AllocationId") if m.get(key)}
        if address:
            out[m["SubnetId"]] = [address]
    return out


def _zones_with_addresses(self):
    zones = []
    for subnet in self.subnets:
        zone = AvailabilityZone(subnet)
        addresses = getattr(self, "mapped_addresses", {}).get(subnet.id)
        if addresses:
            zone.load_balancer_addresses = addresses
        zones.append(zone)
    return zones


FakeLoadBalancer.availability_zones = property(_zones_with_addresses)
_create_load_balancer = ELBv2Backend.create_load_balancer
_set_subnets = ELBv2Backend.set_subnets


def _create_keeping_addresses(self, *args, **kwargs):
    balancer = _create_load_balancer(self, *args, **kwargs)
    balancer.mapped_addresses = _mapped_addresses(kwargs.get("subnet_mappings"))
    return balancer


def _set_subnets_keeping_addresses(self, arn, subnets, subnet_mappings):
    _set_subnets(self, arn, subnets, subnet_mappings)
    balancer = self.load_balancers[arn]
    balancer.mapped_addresses = _mapped_addresses(subnet_mappings)
    return balancer.availability_zones


ELBv2Backend.create_load_balancer = _create_keeping_addresses
ELBv2Backend.set_subnets = _set_subnets_keeping_addresses

_object_writes = threading.Lock()


def _atomic(method):
    # Every write takes the lock, not only conditional ones: a plain PUT landing between another
    # writer's check and its store would break that writer's condition just the same.
    def run(self):
        with _object_writes:
            return method(self)

    return run


S3Response.put_object = _atomic(S3Response.put_object)
S3Response.delete_object = _atomic(S3Response.delete_object)

if __name__ == "__main__":
    main(sys.argv[1:])
