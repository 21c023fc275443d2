"""The node resource group AKS builds for a cluster (``MC_<group>_<cluster>_<region>``), and what
it puts there.

What a private cluster's node group holds, as on Azure:
- the node pool's scale set (``aks-<pool>-<number>-vmss``) whose instances take their addresses
  from the AKS subnet; with classic Azure CNI each instance's NIC also holds ``maxPods`` secondary
  addresses for its pods. The instance NICs are stored under the scale set's id (as Azure names
  them), so the subnet lists their IP configurations and NICs or firewalls created later cannot take
  those addresses (``network_state.addresses_in_use``);
- the API server's private endpoint ``kube-apiserver`` and its NIC in the AKS subnet; with API Server
  VNet Integration instead, the internal load balancer ``kube-apiserver`` with its frontend in the
  delegated API server subnet (no private endpoint);
- the private DNS zone ``<guid>.privatelink.<region>.azmk8s.io``, linked to the cluster's virtual
  network, with the API server's A record;
- the kubelet identity ``<cluster>-agentpool`` (and the add-on identities, e.g. ``omsagent-<cluster>``);
- with outboundType loadBalancer only: the outbound public IP. userDefinedRouting creates no public IP.

The group is managed by the cluster (``managedBy``) and tagged as AKS tags it; it goes away with the
cluster.
"""
from __future__ import annotations

import hashlib

from praks_lib.azure import facts
from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.registry import resource_type_of
from praks_lib.emulator.platform.arm.resources import etag_of
from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.providers import msi, privatedns
from praks_lib.emulator.providers.compute.scale_sets import VMSS_TYPE
from praks_lib.emulator.providers.network.load_balancers import LOAD_BALANCER_TYPE, LOAD_BALANCERS
from praks_lib.emulator.providers.network.private_endpoints import PRIVATE_ENDPOINT_TYPE
from praks_lib.emulator.providers.resources import GROUP_TYPE
from praks_lib.emulator.world import network_state
from praks_lib.emulator.world.network_state import IpConfigurationLink

NIC_TYPE = network_state.NIC_TYPE
PUBLIC_IP_TYPE = network_state.PUBLIC_IP_TYPE
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
API_SERVER_LOAD_BALANCER = facts.load("aks")["api_server_vnet_integration"]["load_balancer"]


def default_name(group: str, cluster: str, location: str) -> str:
    return f"MC_{group}_{cluster}_{location}"


def _base36(seed: str, length: int) -> str:
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    out = ""
    for _ in range(length):
        number, digit = divmod(number, 36)
        out += BASE36[digit]
    return out


def private_dns_names(cluster_id: str, dns_prefix: str, location: str, *, integrated: bool = False) -> tuple[str, str]:
    """(zone name, A record name) of a private cluster's API server, e.g.
    ``3eb3a3dc-….privatelink.westeurope.azmk8s.io`` and ``dzpraks1-5abd81xy``; with API Server VNet
    Integration the zone is under ``private.<region>.azmk8s.io`` (the names AKS accepts for its zone)."""
    region = location.replace(" ", "").lower()
    kind = "private" if integrated else "privatelink"
    zone = f"{stable_uuid(cluster_id, 'private dns zone')}.{kind}.{region}.azmk8s.io"
    return zone, f"{dns_prefix.lower()}-{_base36(cluster_id + '|fqdn', 8)}"


def public_fqdn(cluster_id: str, dns_prefix: str, location: str) -> str:
    return f"{dns_prefix.lower()}-{_base36(cluster_id + '|fqdn', 8)}.hcp.{location.replace(' ', '').lower()}.azmk8s.io"


def portal_fqdn(cluster_id: str, location: str, private: bool) -> str:
    digest = stable_uuid(cluster_id, "portal").replace("-", "")
    return f"{digest}{'-priv' if private else ''}.portal.hcp.{location.replace(' ', '').lower()}.azmk8s.io"


def _group_id(subscription: str, name: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{name}"


def ensure_group(call: Call, subscription: str, name: str, location: str, cluster: dict) -> str:
    """The node resource group (kept if it exists), managed by the cluster and tagged like AKS tags it."""
    group_id = _group_id(subscription, name)
    existing = call.tx.get(group_id)
    rid = ResourceId.parse(cluster["id"])
    tags = {**(cluster.get("tags") or {}), "aks-managed-cluster-name": rid.name,
            "aks-managed-cluster-rg": rid.resource_group}
    group = {"id": existing["id"] if existing else group_id, "name": existing["name"] if existing else name,
             "type": GROUP_TYPE, "location": location, "managedBy": cluster["id"], "tags": tags,
             "properties": {"provisioningState": "Succeeded"}}
    if group != existing:
        call.tx.put(group_id, group, type=GROUP_TYPE, scope=f"/subscriptions/{subscription}")
    return group["id"]


def _put(call: Call, body: dict) -> dict:
    rid = ResourceId.parse(body["id"])
    body.setdefault("etag", etag_of(body))
    call.tx.put(body["id"], body, type=body["type"], scope=rid.group_id,
                parent=str(rid.parent) if rid.parent else None)
    return body


def kubelet_identity(call: Call, group_id: str, cluster_name: str, location: str, tags: dict) -> dict:
    """``identityProfile.kubeletidentity`` (the identity is created in the node group)."""
    rid = ResourceId.parse(f"{group_id}/providers/{msi.IDENTITY_TYPE}/{cluster_name}-agentpool")
    return _identity_reference(msi.ensure_identity(call, rid, location, tags))


def addon_identity(call: Call, group_id: str, addon: str, cluster_name: str, location: str, tags: dict) -> dict:
    """The identity an add-on runs as (``omsagent-<cluster>``), as its profile's ``identity`` shows it."""
    rid = ResourceId.parse(f"{group_id}/providers/{msi.IDENTITY_TYPE}/{addon}-{cluster_name}")
    return _identity_reference(msi.ensure_identity(call, rid, location, tags))


def _identity_reference(identity: dict) -> dict:
    return {"resourceId": identity["id"], "clientId": identity["properties"]["clientId"],
            "objectId": identity["properties"]["principalId"]}


def scale_set(call: Call, group_id: str, name: str, location: str, subnet_id: str, vm_size: str,
              node_ips: list[list[str]], tags: dict) -> dict:
    """The node pool's scale set and its instances' NICs (node address first, then pod addresses)."""
    vmss_id = f"{group_id}/providers/{VMSS_TYPE}/{name}"
    vmss = _put(call, {
        "id": vmss_id, "name": name, "type": VMSS_TYPE, "location": location, "tags": tags,
        "sku": {"name": vm_size, "tier": "Standard", "capacity": len(node_ips)},
        "properties": {"provisioningState": "Succeeded", "orchestrationMode": "Uniform",
                       "uniqueId": stable_uuid(vmss_id),
                       "virtualMachineProfile": {"networkProfile": {"networkInterfaceConfigurations": [
                           {"name": name, "properties": {"primary": True, "ipConfigurations": [
                               {"name": "ipconfig1", "properties": {"subnet": {"id": subnet_id}}}]}}]}}},
    })
    links = []
    for instance, addresses in enumerate(node_ips):
        nic_id = f"{vmss_id}/virtualMachines/{instance}/networkInterfaces/{name}"
        configs = []
        for index, address in enumerate(addresses):
            config_id = f"{nic_id}/ipConfigurations/ipconfig{index + 1}"
            configs.append({"id": config_id, "name": f"ipconfig{index + 1}", "properties": {
                "primary": index == 0, "privateIPAddress": address, "privateIPAllocationMethod": "Dynamic",
                "privateIPAddressVersion": "IPv4", "subnet": {"id": subnet_id}, "provisioningState": "Succeeded"}})
            links.append(IpConfigurationLink(config_id, subnet_id, None))
        _put(call, {"id": nic_id, "name": name, "type": NIC_TYPE, "location": location,
                    "properties": {"provisioningState": "Succeeded", "primary": True, "ipConfigurations": configs,
                                   "virtualMachine": {"id": f"{vmss_id}/virtualMachines/{instance}"}}})
    network_state.relink(call.tx, vmss_id, links)
    return vmss


def private_endpoint(call: Call, group_id: str, location: str, subnet_id: str, cluster_id: str, tags: dict) -> str:
    """The API server's private endpoint and its NIC (lowest free address of the AKS subnet); its IP."""
    nic_type = resource_type_of(NIC_TYPE)
    guid = stable_uuid(cluster_id, "kube-apiserver")
    nic_rid = ResourceId.parse(f"{group_id}/providers/{NIC_TYPE}/kube-apiserver.nic.{guid}")
    endpoint_id = f"{group_id}/providers/{PRIVATE_ENDPOINT_TYPE}/kube-apiserver"
    request = {"location": location, "tags": tags, "properties": {"ipConfigurations": [
        {"name": "privateEndpointIpConfig", "properties": {"subnet": {"id": subnet_id}}}]}}
    existing = call.tx.get(str(nic_rid))
    nic = nic_type.make(call, nic_rid, request, existing)
    nic["properties"]["privateEndpoint"] = {"id": endpoint_id}
    nic_type.store(call, nic_rid, nic)
    nic_type.after_write(call, nic_rid, nic, request)
    _put(call, {"id": endpoint_id, "name": "kube-apiserver", "type": PRIVATE_ENDPOINT_TYPE, "location": location,
                "tags": tags, "properties": {
                    "provisioningState": "Succeeded", "subnet": {"id": subnet_id},
                    "networkInterfaces": [{"id": nic["id"]}],
                    "privateLinkServiceConnections": [{"name": "kube-apiserver", "properties": {
                        "groupIds": ["management"], "privateLinkServiceConnectionState": {
                            "status": "Approved", "description": "Auto Approved", "actionsRequired": "None"}}}]}})
    return nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]


def api_server_load_balancer(call: Call, group_id: str, location: str, subnet_id: str, tags: dict) -> str:
    """API Server VNet Integration: the internal load balancer ``kube-apiserver`` whose frontend takes
    an address of the delegated API server subnet (the lowest free one, kept on later updates); that
    address."""
    rid = ResourceId.parse(f"{group_id}/providers/{LOAD_BALANCER_TYPE}/{API_SERVER_LOAD_BALANCER}")
    existing = call.tx.get(str(rid))
    request = {"location": location, "tags": tags, "sku": {"name": "Standard", "tier": "Regional"},
               "properties": {"frontendIPConfigurations": [{"name": API_SERVER_LOAD_BALANCER, "properties": {
                   "subnet": {"id": subnet_id}, "privateIPAllocationMethod": "Dynamic"}}],
                   "backendAddressPools": [{"name": API_SERVER_LOAD_BALANCER}]}}
    body = LOAD_BALANCERS.make(call, rid, request, existing)
    body["etag"] = etag_of(body)
    if body != existing:
        LOAD_BALANCERS.store(call, rid, body)
        LOAD_BALANCERS.after_write(call, rid, body, request)
    return body["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"]


def private_dns(call: Call, group_id: str, zone_name: str, record: str, address: str, vnet_id: str,
                link_name: str, tags: dict) -> None:
    """The cluster's private zone, its A record for the API server, and the link to the cluster VNet."""
    zone = ResourceId.parse(f"{group_id}/providers/{privatedns.ZONE_TYPE}/{zone_name}")
    privatedns.ensure_zone(call, zone, tags)
    privatedns.set_a_record(call, zone, record, [address])
    if not call.tx.children(str(zone), privatedns.LINK_TYPE):
        privatedns.link_virtual_network(call, zone, link_name, vnet_id)


def private_dns_record(call: Call, zone_id: str, record: str, address: str, vnet_id: str, link_name: str) -> None:
    """A custom private DNS zone: AKS writes the API server's A record there and links the zone to the
    cluster's VNet when no link to it exists yet (the zone itself belongs to whoever made it)."""
    zone = ResourceId.parse(zone_id)
    privatedns.set_a_record(call, zone, record, [address])
    linked = any(same_id(link["properties"]["virtualNetwork"]["id"], vnet_id)
                 for link in call.tx.children(str(zone), privatedns.LINK_TYPE))
    if not linked:
        privatedns.link_virtual_network(call, zone, link_name, vnet_id)


def outbound_public_ip(call: Call, group_id: str, location: str, cluster_id: str, tags: dict) -> str:
    """outboundType loadBalancer: the managed outbound public IP of the cluster's load balancer."""
    ip_type = resource_type_of(PUBLIC_IP_TYPE)
    rid = ResourceId.parse(f"{group_id}/providers/{PUBLIC_IP_TYPE}/{stable_uuid(cluster_id, 'outbound ip')}")
    request = {"location": location, "tags": tags, "sku": {"name": "Standard", "tier": "Regional"},
               "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}}
    if call.tx.get(str(rid)) is None:
        ip_type.store(call, rid, ip_type.make(call, rid, request, None))
    return str(rid)


def delete_group(call: Call, group_id: str) -> None:
    """Delete the node group and everything in it, telling each resource type (links, addresses)."""
    contents = call.tx.in_scope(group_id)
    call.tx.delete_scope(group_id)
    call.tx.delete_tree(group_id)
    for resource in contents:
        resource_type = resource_type_of(resource["type"])
        if resource_type is not None:
            resource_type.after_delete(call, ResourceId.parse(resource["id"]), resource)
    for vmss in (r for r in contents if r["type"].lower() == VMSS_TYPE.lower()):
        network_state.relink(call.tx, vmss["id"], [])
