"""A managed cluster's Kubernetes side as the provider keeps it: state, clock, run command.

The :class:`~praks_lib.emulator.world.kubernetes.ClusterState` is stored beside the cluster resource
(a child row ``<cluster>/kubernetesState/current``, deleted with the cluster), so pods created by one
run command are there for the next one, from any process.

Time inside the cluster is virtual: the cluster finishes provisioning at :data:`PROVISIONED`, the
first run command comes :data:`FIRST_COMMAND_AFTER` later and each further one
:data:`COMMAND_STEP` after the previous, so ``kubectl get pods`` ages (and notebook outputs) are the
same on every run. Firewall and Container insights rows keep real time: Log Analytics queries
select rows by their ingestion time.

After each command, Services of type LoadBalancer become Azure load balancers in the node resource
group (:mod:`praks_lib.emulator.providers.containerservice.service_load_balancers`), as AKS's cloud controller makes them.

A pod's connections and name lookups go through the emulated cloud: ``network`` is the data plane
(routed from the pod's address, judged and logged by the firewall), ``resolve`` is Azure DNS as seen
from the pod's virtual network (CoreDNS forwards there).
"""
from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone

from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.providers.containerservice import service_load_balancers
from praks_lib.emulator.providers.containerservice.bootstrap import vnet_of
from praks_lib.emulator.providers.network.interfaces import frontend_addresses
from praks_lib.emulator.world import azure_dns, dataplane, network_state
from praks_lib.emulator.world.kubernetes import ClusterState, invoke, network_emulated, new_cluster, unpack_context
from praks_lib.emulator.world.kubernetes.cluster import MAX_PODS

STATE_TYPE = "Microsoft.ContainerService/managedClusters/kubernetesState"
PROVISIONED = datetime(2025, 1, 1, 0, 6, tzinfo=timezone.utc)
FIRST_COMMAND_AFTER = timedelta(minutes=10)
COMMAND_STEP = timedelta(seconds=30)
COMMAND_DURATION = timedelta(seconds=1)
OVERLAY_MAX_PODS = 250


def state_id(cluster_id: str) -> str:
    return f"{cluster_id}/kubernetesState/current"


def max_pods(plugin: str, mode: str | None) -> int:
    """Pods per node AKS sets by default: classic Azure CNI pre-allocates its pods' subnet addresses."""
    if plugin == "azure" and mode != "overlay":
        return MAX_PODS
    return OVERLAY_MAX_PODS if mode == "overlay" else 110


def reserve_node_addresses(tx, subnet: dict, node_count: int, overlay: bool) -> list[str] | None:
    """Each node's primary address: the lowest free block of the subnet that holds the node and (classic
    Azure CNI) its ``MAX_PODS`` pod addresses after it. None when the free space is too fragmented."""
    network = network_state.subnet_networks(subnet)[0]
    used = {*network_state.addresses_in_use(tx, subnet["id"]), *frontend_addresses(tx, subnet["id"])}
    size = 1 if overlay else 1 + MAX_PODS
    hosts = network_state.usable_hosts(network)
    nodes, offset = [], hosts.start
    while len(nodes) < node_count and offset + size <= hosts.stop:
        block = {str(network[offset + i]) for i in range(size)}
        if used.isdisjoint(block):
            nodes.append(str(network[offset]))
            used |= block
            offset += size
        else:
            offset += 1
    return nodes if len(nodes) == node_count else None


def emulated(network: dict) -> bool:
    """Whether the cluster's Kubernetes side is emulated for its network profile."""
    return network_emulated(network["networkPlugin"], network.get("networkPluginMode"))


def build(cluster_id: str, name: str, *, version: str, subnet_prefix: str, network: dict, api_server: str,
          pool: dict, location: str, node_group: str, addons: list[str],
          node_ips: list[str] | None = None) -> ClusterState:
    return new_cluster(
        cluster_id=cluster_id, cluster_name=name, kubernetes_version=version, node_subnet=subnet_prefix,
        service_cidr=network["serviceCidr"], dns_service_ip=network["dnsServiceIP"], api_server_fqdn=api_server,
        created=PROVISIONED, network_plugin=network["networkPlugin"],
        network_plugin_mode=network.get("networkPluginMode"), pod_cidr=network.get("podCidr"),
        node_pool=pool["name"], node_count=pool["count"], vm_size=pool["vmSize"], os_sku=pool.get("osSKU", "Ubuntu"),
        location=location, node_resource_group=node_group, addons=addons, node_ips=node_ips)


def node_addresses(state: ClusterState) -> list[list[str]]:
    """Per node: its address, then (classic Azure CNI) the pod addresses its NIC holds."""
    per_node = []
    for node in state.nodes:
        first = ipaddress.IPv4Address(node.internal_ip)
        extra = 0 if state.overlay else MAX_PODS
        per_node.append([str(first + i) for i in range(extra + 1)])
    return per_node


def save(tx, cluster_id: str, state: ClusterState, commands: int = 0) -> None:
    rid = state_id(cluster_id)
    group = "/".join(cluster_id.split("/")[:5])
    tx.put(rid, {"id": rid, "type": STATE_TYPE, "state": state.to_json(), "commands": commands},
           type=STATE_TYPE, scope=group, parent=cluster_id)


def load(tx, cluster_id: str) -> tuple[ClusterState, int] | None:
    row = tx.get(state_id(cluster_id))
    if row is None:
        return None
    return ClusterState.from_json(row["state"]), row["commands"]


def network_for(tx):
    def network(source_ip, host, port, protocol, sni):
        return dataplane.send(tx, source_ip, host, port, protocol, sni=sni)
    return network


def resolver_for(tx):
    def resolve(name, from_ip):
        vnet = vnet_of(tx, from_ip)
        if vnet is None:
            return None
        return azure_dns.resolve(tx, name, vnet)
    return resolve


def run_command(call: Call, cluster: dict, command: str, context: str | None, command_id: str):
    """Run one command line in the cluster; (exit code, logs, startedAt, finishedAt, pods changed).
    Afterwards the cloud follows the cluster's Services (Azure load balancers for type LoadBalancer).
    Raises :class:`~praks_lib.emulator.world.kubernetes.ContextError` for a context that is not a zip."""
    tx, cluster_id = call.tx, cluster["id"]
    files = unpack_context(context)
    state, commands = load(tx, cluster_id)
    started = PROVISIONED + FIRST_COMMAND_AFTER + commands * COMMAND_STEP
    before = _pod_view(state)
    code, logs = invoke(state, command, context_files=files, command_id=command_id, now=started,
                        network=network_for(tx), resolve=resolver_for(tx))
    service_load_balancers.reconcile(call, cluster, state)
    save(tx, cluster_id, state, commands + 1)
    return code, logs, started, started + COMMAND_DURATION, _pod_view(state) != before


def _pod_view(state: ClusterState) -> list[tuple]:
    return [(p.namespace, p.name, p.phase, p.restarts) for p in state.pods]


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
