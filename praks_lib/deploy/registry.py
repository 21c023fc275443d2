"""Stage 04, for a network-isolated cluster: the private registry cache the nodes bootstrap from.

Nothing leaves the VNet, not even to bootstrap: the nodes pull what AKS needs from a registry of the
deployment's own (ACR Premium, public network access disabled) whose cache rule fetches it from
mcr.microsoft.com on their behalf. They reach it through a private endpoint in the AKS subnet, by
names a ``privatelink.azurecr.io`` zone answers in the spoke and the hub; they sign in with a kubelet
identity praks brings (AcrPull on the registry), which the cluster identity may assign (Managed
Identity Operator on it) — Microsoft's "bring your own ACR" steps for network-isolated clusters.
"""
from __future__ import annotations

import copy

from azure.mgmt.containerregistry.models import CacheRule, Registry, Sku
from azure.mgmt.msi.models import Identity
from azure.mgmt.network.models import PrivateEndpoint, PrivateLinkServiceConnection, Subnet
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet

from praks_lib.azure import facts
from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.api_server_dns import HUB_LINK, SPOKE_LINK, ensure_link
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deploy.identity import ensure_role
from praks_lib.deployment import Deployment

ISOLATED = facts.load("aks")["network_isolated"]
ZONE = ISOLATED["private_dns_zone"]
RECORD_TTL = 10  # seconds, as az network private-endpoint dns-zone-group writes them


def uses_registry_cache(dep: Deployment) -> bool:
    return dep.aks.bootstrap_artifact_source == "Cache"


def registry_id(clients: Clients, dep: Deployment) -> str:
    return resource_id(clients.subscription_id, dep.resource_groups.kube, "Microsoft.ContainerRegistry/registries",
                       dep.aks.registry_name)


def kubelet_identity_name(dep: Deployment) -> str:
    return f"{dep.aks.identity.name}-kubelet"


def endpoint_name(dep: Deployment) -> str:
    return f"{dep.aks.registry_name}-endpoint"


def ensure_registry(clients: Clients, dep: Deployment) -> Change:
    """ACR Premium without public network access: reachable only through its private endpoint."""
    group, name, registries = dep.resource_groups.kube, dep.aks.registry_name, clients.containerregistry.registries

    def desired(current):
        registry = copy.deepcopy(current) if current else Registry(location=dep.location)
        registry.tags = {**(registry.tags or {}), **dep.tags}
        registry.sku = Sku(name=ISOLATED["registry_sku"])
        registry.public_network_access = ISOLATED["registry_public_network_access"]
        return registry

    return converge("container registry", name, lambda: registries.get(group, name), desired,
                    lambda model: wait_for(registries.begin_create(group, name, model), f"registry {name}"))


def ensure_cache_rule(clients: Clients, dep: Deployment) -> Change:
    """The cache rule AKS expects (name and repositories exactly as Microsoft documents them)."""
    rule, group, registry = ISOLATED["cache_rule"], dep.resource_groups.kube, dep.aks.registry_name
    rules = clients.containerregistry.cache_rules

    def desired(current):
        cache = copy.deepcopy(current) if current else CacheRule()
        cache.source_repository, cache.target_repository = rule["source"], rule["target"]
        return cache

    return converge("cache rule", f"{registry}/{rule['name']}", lambda: rules.get(group, registry, rule["name"]),
                    desired, lambda model: wait_for(rules.begin_create(group, registry, rule["name"], model),
                                                    f"cache rule {rule['name']}"))


def ensure_registry_endpoint(clients: Clients, dep: Deployment) -> Change:
    """The registry's private endpoint in the AKS subnet (group id ``registry``)."""
    group, name, spoke = dep.resource_groups.network, endpoint_name(dep), dep.network.spoke
    endpoints = clients.network.private_endpoints
    subnet_id = resource_id(clients.subscription_id, group, "Microsoft.Network/virtualNetworks/subnets", spoke.name,
                            spoke.aks_subnet.name)

    def desired(current):
        endpoint = copy.deepcopy(current) if current else PrivateEndpoint(location=dep.location)
        endpoint.tags = {**(endpoint.tags or {}), **dep.tags}
        endpoint.subnet = Subnet(id=subnet_id)
        connections = endpoint.private_link_service_connections or [PrivateLinkServiceConnection(
            name=dep.aks.registry_name)]
        connections[0].private_link_service_id = registry_id(clients, dep)
        connections[0].group_ids = [ISOLATED["private_endpoint_group"]]
        endpoint.private_link_service_connections = connections[:1]
        return endpoint

    return converge("private endpoint", name, lambda: endpoints.get(group, name), desired,
                    lambda model: wait_for(endpoints.begin_create_or_update(group, name, model), f"endpoint {name}"))


def ensure_registry_zone(clients: Clients, dep: Deployment) -> list[Change]:
    """``privatelink.azurecr.io`` linked to the spoke and the hub, with an A record for each name the
    endpoint answers for (the login server and its regional data endpoint)."""
    group, zones = dep.resource_groups.network, clients.privatedns.private_zones

    def desired_zone(current):
        zone = copy.deepcopy(current) if current else PrivateZone(location="global")
        zone.tags = {**(zone.tags or {}), **dep.tags}
        return zone

    changes = [converge("private DNS zone", ZONE, lambda: zones.get(group, ZONE), desired_zone,
                        lambda model: wait_for(zones.begin_create_or_update(group, ZONE, model), f"zone {ZONE}")),
               ensure_link(clients, dep, group, ZONE, SPOKE_LINK, dep.network.spoke.name),
               ensure_link(clients, dep, group, ZONE, HUB_LINK, dep.network.hub.name)]
    endpoint = require(lambda: clients.network.private_endpoints.get(group, endpoint_name(dep)),
                       f"private endpoint {endpoint_name(dep)}", "04_private_aks")
    records = clients.privatedns.record_sets
    suffix = "." + ISOLATED["login_server_suffix"]
    for config in endpoint.custom_dns_configs or []:
        relative = config.fqdn.removesuffix(suffix)

        def desired_record(current, config=config):
            record = copy.deepcopy(current) if current else RecordSet()
            record.ttl = record.ttl or RECORD_TTL
            record.a_records = [ARecord(ipv4_address=address) for address in config.ip_addresses]
            return record

        changes.append(converge("private DNS record", f"{relative}.{ZONE}",
                                lambda relative=relative: records.get(group, ZONE, "A", relative), desired_record,
                                lambda model, relative=relative: records.create_or_update(group, ZONE, "A", relative,
                                                                                          model)))
    return changes


def ensure_kubelet_identity(clients: Clients, dep: Deployment) -> list[Change]:
    """The nodes' identity, made before the cluster so it can pull from the registry while the nodes
    boot: AcrPull on the registry, and Managed Identity Operator on it for the cluster identity."""
    group, name, identities = dep.resource_groups.kube, kubelet_identity_name(dep), clients.msi.user_assigned_identities

    def desired(current):
        identity = copy.deepcopy(current) if current else Identity(location=dep.location)
        identity.tags = {**(identity.tags or {}), **dep.tags}
        return identity

    changes = [converge("managed identity", name, lambda: identities.get(group, name), desired,
                        lambda model: identities.create_or_update(group, name, model))]
    kubelet = identities.get(group, name)
    cluster = require(lambda: identities.get(group, dep.aks.identity.name), f"managed identity {dep.aks.identity.name}",
                      "04_private_aks (ensure_cluster_identity)")
    changes.append(ensure_role(clients, kubelet.principal_id, ISOLATED["kubelet_role"], "registry",
                               registry_id(clients, dep)))
    changes.append(ensure_role(clients, cluster.principal_id, ISOLATED["control_plane_role_on_kubelet_identity"],
                               "kubelet identity", kubelet_id(clients, dep)))
    return changes


def kubelet_id(clients: Clients, dep: Deployment) -> str:
    return resource_id(clients.subscription_id, dep.resource_groups.kube,
                       "Microsoft.ManagedIdentity/userAssignedIdentities", kubelet_identity_name(dep))


def ensure_registry_cache(clients: Clients, dep: Deployment) -> list[Change]:
    """Everything the nodes of a network-isolated cluster bootstrap from; nothing for other designs."""
    if not uses_registry_cache(dep):
        return []
    changes = [ensure_registry(clients, dep), ensure_cache_rule(clients, dep), ensure_registry_endpoint(clients, dep)]
    changes += ensure_registry_zone(clients, dep)
    return changes + ensure_kubelet_identity(clients, dep)
