"""A managed cluster's Kubernetes side as the provider keeps it: state, clock, run command.

The :class:`~praks_lib.emulator.kubernetes.ClusterState` is stored beside the cluster resource
(a child row ``<cluster>/kubernetesState/current``, deleted with the cluster), so pods created by one
run command are there for the next one, from any process.

Time inside the cluster is virtual: the cluster finishes provisioning at :data:`PROVISIONED`, the
first run command comes :data:`FIRST_COMMAND_AFTER` later and each further one
:data:`COMMAND_STEP` after the previous, so ``kubectl get pods`` ages (and notebook outputs) are the
same on every run. Firewall and Container insights rows keep real time: Log Analytics queries
select rows by their ingestion time.

A pod's connections and name lookups go through the emulated cloud: ``network`` is the data plane
(routed from the pod's address, judged and logged by the firewall), ``resolve`` is Azure DNS as seen
from the pod's virtual network (CoreDNS forwards there).
"""
from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone

from praks_lib.emulator import dataplane, dns
from praks_lib.emulator.aks.bootstrap import vnet_of
from praks_lib.emulator.kubernetes import ClusterState, invoke, new_cluster, unpack_context
from praks_lib.emulator.kubernetes.cluster import MAX_PODS

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


def build(cluster_id: str, name: str, *, version: str, subnet_prefix: str, network: dict, api_server: str,
          pool: dict, location: str, node_group: str, addons: list[str]) -> ClusterState:
    return new_cluster(
        cluster_id=cluster_id, cluster_name=name, kubernetes_version=version, node_subnet=subnet_prefix,
        service_cidr=network["serviceCidr"], dns_service_ip=network["dnsServiceIP"], api_server_fqdn=api_server,
        created=PROVISIONED, network_plugin=network["networkPlugin"],
        network_plugin_mode=network.get("networkPluginMode"), pod_cidr=network.get("podCidr"),
        node_pool=pool["name"], node_count=pool["count"], vm_size=pool["vmSize"], os_sku=pool.get("osSKU", "Ubuntu"),
        location=location, node_resource_group=node_group, addons=addons)


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
        return dns.resolve(tx, name, vnet) or []
    return resolve


def run_command(tx, cluster_id: str, command: str, context: str | None, command_id: str):
    """Run one command line in the cluster; (exit code, logs, startedAt, finishedAt, pods changed).
    Raises :class:`~praks_lib.emulator.kubernetes.ContextError` for a context that is not a zip."""
    files = unpack_context(context)
    state, commands = load(tx, cluster_id)
    started = PROVISIONED + FIRST_COMMAND_AFTER + commands * COMMAND_STEP
    before = _pod_view(state)
    code, logs = invoke(state, command, context_files=files, command_id=command_id, now=started,
                        network=network_for(tx), resolve=resolver_for(tx))
    save(tx, cluster_id, state, commands + 1)
    return code, logs, started, started + COMMAND_DURATION, _pod_view(state) != before


def _pod_view(state: ClusterState) -> list[tuple]:
    return [(p.namespace, p.name, p.phase, p.restarts) for p in state.pods]


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
