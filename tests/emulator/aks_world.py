"""The runbook's own stages 01-04 on a fresh emulator, for the managed-cluster tests.

The world is built by praks_lib.deploy (network, firewall, route, the API server's DNS zone, identity,
roles), which also proves
those functions work against the emulator. ``cluster_body`` is the REST body ensure_private_cluster
sends, for tests that change one field and send it with the SDK.
"""
from __future__ import annotations

import copy

from azure.mgmt.containerservice.models import ManagedCluster

from praks_lib.deploy.api_server_dns import ensure_own_zone, own_zone_id
from praks_lib.deploy.cluster import aks_subnet_id
from praks_lib.deploy.firewall import ensure_firewall_stage
from praks_lib.deploy.identity import ensure_cluster_identity, ensure_role_assignments, identity_id
from praks_lib.deploy.network import ensure_network
from praks_lib.deploy.route import ensure_egress_route


def build_world(clients, dep, *, route=True, roles=True):
    ensure_network(clients, dep)
    ensure_firewall_stage(clients, dep)
    if route:
        ensure_egress_route(clients, dep)
    ensure_own_zone(clients, dep)
    ensure_cluster_identity(clients, dep)
    if roles:
        ensure_role_assignments(clients, dep)
    return clients


def cluster_body(clients, dep, **properties) -> dict:
    """The create request of stage 04 as REST JSON; ``properties`` are merged into it."""
    aks = dep.aks
    body = {
        "location": dep.location, "tags": dep.tags,
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id(clients, dep): {}}},
        "properties": {
            "kubernetesVersion": aks.kubernetes_version, "dnsPrefix": aks.dns_prefix, "enableRBAC": True,
            "nodeResourceGroup": dep.node_resource_group,
            "agentPoolProfiles": [{"name": aks.node_pool.name, "count": aks.node_pool.count,
                                   "vmSize": aks.node_pool.vm_size, "osSKU": aks.node_pool.os_sku, "mode": "System",
                                   "osType": "Linux", "type": "VirtualMachineScaleSets",
                                   "vnetSubnetID": aks_subnet_id(clients, dep)}],
            "networkProfile": {"networkPlugin": "azure", "serviceCidr": aks.service_cidr,
                               "dnsServiceIP": aks.dns_service_ip, "outboundType": aks.outbound_type,
                               "loadBalancerSku": "standard"},
            "apiServerAccessProfile": {"enablePrivateCluster": True,
                                       "privateDNSZone": own_zone_id(clients, dep) or "system"},
        },
    }
    merged = copy.deepcopy(body)
    for key, value in properties.items():
        if isinstance(value, dict) and isinstance(merged["properties"].get(key), dict):
            merged["properties"][key] = {**merged["properties"][key], **value}
        else:
            merged["properties"][key] = value
    return merged


def create(clients, dep, body: dict):
    """Send the create and wait for it (raises the SDK's HttpResponseError on failure)."""
    poller = clients.containerservice.managed_clusters.begin_create_or_update(
        dep.resource_groups.kube, dep.aks.name, ManagedCluster(body))
    return poller.result()
