"""Microsoft.Network public IP addresses (the firewall's only public address).

Azure today: Basic SKU public IPs are retired (new ones fail with
``IPv4BasicSkuPublicIpCountLimitReached``; the REST default SKU is still Basic, so name the SKU),
and a Standard SKU address must be Static (``StandardSkuPublicIPAddressesMustBeStatic``).

Addresses are deterministic: derived from the resource id, drawn from the RFC 5737 documentation
ranges 203.0.113.0/24 and 198.51.100.0/24 (IPv6: 2001:db8::/32), unique in the subscription and
kept for the life of the resource, so notebook outputs are stable and obviously not real.
"""

from __future__ import annotations

import ipaddress

from praks_lib.emulator.platform.arm.errors import bad_request
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.platform.stable_ids import stable_uuid

PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses"
IPV4_POOL = [ipaddress.ip_network("203.0.113.0/24"), ipaddress.ip_network("198.51.100.0/24")]
IPV6_POOL = ipaddress.ip_network("2001:db8::/32")

BASIC_SKU_RETIRED = (
    "Cannot create more than 0 IPv4 Basic SKU public IP addresses for this subscription in this "
    "region."
)
STANDARD_MUST_BE_STATIC = "Standard sku publicIp {id} must have AllocationMethod set to Static."
IN_USE = (
    "Public IP address {id} can not be deleted since it is still allocated to resource {user}. In "
    "order to delete the public IP, disassociate/detach the Public IP address from the resource. "
    "To learn how to do this, see aka.ms/deletepublicip."
)
# Properties Azure fills in and a client cannot set (kept from the stored address).
SERVER_OWNED = ("ipAddress", "ipConfiguration", "natGateway")

routes = ArmRoutes()


def ipv4_candidates():
    for network in IPV4_POOL:
        yield from network.hosts()


def allocate_address(resource_id: str, version: str, taken: set[str]) -> str:
    """The first free address at or after the one the resource id hashes to."""
    seed = int(stable_uuid(resource_id).replace("-", ""), 16)
    if version == "IPv6":
        return str(IPV6_POOL[seed % IPV6_POOL.num_addresses or 1])
    candidates = [str(a) for a in ipv4_candidates()]
    start = seed % len(candidates)
    for offset in range(len(candidates)):
        address = candidates[(start + offset) % len(candidates)]
        if address not in taken:
            return address
    raise bad_request("PublicIPCountLimitReached", "The emulator has no public IPv4 address left.")


class PublicIpAddresses(ResourceType):
    type = PUBLIC_IP_TYPE

    def build(self, call, rid, request, existing):
        sku = request.setdefault("sku", {"name": "Basic"})
        properties = request.setdefault("properties", {})
        if sku.get("name", "Basic").lower() == "basic" and existing is None:
            raise bad_request("IPv4BasicSkuPublicIpCountLimitReached", BASIC_SKU_RETIRED)
        sku.setdefault("tier", "Regional")
        properties.setdefault("publicIPAllocationMethod", "Static")
        if properties["publicIPAllocationMethod"].lower() != "static":
            raise bad_request("StandardSkuPublicIPAddressesMustBeStatic",
                              STANDARD_MUST_BE_STATIC.format(id=rid))
        properties.setdefault("publicIPAddressVersion", "IPv4")
        properties.setdefault("idleTimeoutInMinutes", 4)
        properties.setdefault("ipTags", [])
        properties.setdefault("ddosSettings", {"protectionMode": "VirtualNetworkInherited"})
        for key in SERVER_OWNED:
            properties.pop(key, None)
            if existing and key in existing["properties"]:
                properties[key] = existing["properties"][key]
        if "ipAddress" not in properties:
            taken = {ip["properties"].get("ipAddress")
                     for ip in call.tx.list(PUBLIC_IP_TYPE, f"/subscriptions/{rid.subscription}")}
            properties["ipAddress"] = allocate_address(
                str(rid), properties["publicIPAddressVersion"], taken)
        label = (properties.get("dnsSettings") or {}).get("domainNameLabel")
        if label:
            location = request["location"].replace(" ", "").lower()
            properties["dnsSettings"]["fqdn"] = f"{label}.{location}.cloudapp.azure.com"
        properties["resourceGuid"] = stable_uuid(str(rid))
        return request

    def before_delete(self, call, rid, stored):
        """An address a NIC or firewall holds (``ipConfiguration``) cannot be deleted."""
        user = stored["properties"].get("ipConfiguration")
        if user:
            raise bad_request("PublicIPAddressCannotBeDeleted", IN_USE.format(id=stored["id"], user=user["id"]))


PUBLIC_IPS = routes.resource(PublicIpAddresses())
