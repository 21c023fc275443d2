"""Microsoft.Network network interfaces and their effective route table.

Azure behaviours kept:
- Each IP configuration sits in an existing subnet (``InvalidResourceReference`` otherwise).
  ``Dynamic`` allocation takes the lowest free address, skipping Azure's five reserved ones
  (network, .1, .2, .3, broadcast) and those other NICs and firewalls hold; the address is kept
  on later updates. ``Static`` addresses must be inside the subnet, not reserved and free.
- Addresses internal load balancers' frontends hold count as used too (:func:`frontend_addresses`).
- A NIC attached to a VM cannot be deleted (``NicInUse``): delete the VM first.
- A public IP only when asked, and only one not used elsewhere (``PublicIPAddressInUse``).
- The subnet lists the NIC's IP configurations (``ipConfigurations``), the public IP its
  ``ipConfiguration``: both refuse deletion while the NIC exists.
- ``POST …/effectiveRouteTable`` is a long-running operation answered through ``Location``
  (``…/networkInterfaces/<nic>/operationResults/<id>``): 202 while running, then 200 with the
  routes of the NIC's subnet, computed by :mod:`praks_lib.azure.routing`.
"""

from __future__ import annotations

import copy
import ipaddress
from http import HTTPStatus

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import INVALID_RESOURCE_REFERENCE, ArmError, bad_request
from praks_lib.emulator.platform.arm.operations import (
    advance_operation,
    management_url,
    poll_again_url,
    record_operation,
)
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, require
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.world import network_state
from praks_lib.emulator.world.network_state import NIC_TYPE, IpConfigurationLink

IP_CONFIGURATION_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations"
LOAD_BALANCER_TYPE = "Microsoft.Network/loadBalancers"
NIC_PATH = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.Network/networkInterfaces/{name0}")
EFFECTIVE_ROUTES_POLLS = 1

# Codes are Azure's; texts as users report them (from memory of real errors: no recording).
SUBNET_FULL = "Subnet {subnet} with address prefix {prefix} does not have enough capacity for 1 IP addresses."
ADDRESS_NOT_IN_SUBNET = (
    "Private static IP address {ip} does not belong to the range of subnet prefix {prefix}."
)
ADDRESS_IN_USE = (
    "IP configuration {config} is using the private IP address {ip} which is already allocated to "
    "resource {other}."
)
# Reconstructed (code and text): an address Azure reserves in every subnet.
ADDRESS_RESERVED = (
    "Private static IP address {ip} is reserved by Azure in subnet {subnet} (the network address, "
    "the next three and the broadcast address). Use an address from {first} to {last}."
)
# Azure's code; reconstructed text.
PUBLIC_IP_IN_USE = (
    "Public IP address {ip} is already used by {other}; IP configuration {config} cannot use it. "
    "Use another public IP address or remove it from {other} first."
)
# Azure's code and text.
NIC_IN_USE = "Network Interface {nic} is used by existing VM {vm}."
INVALID_ALLOCATION = "IP configuration {config} has an invalid privateIPAllocationMethod '{value}' (Dynamic or Static)."
# Properties Azure fills in and a client cannot set (kept from the stored NIC).
NIC_SERVER_OWNED = ("macAddress", "virtualMachine", "hostedWorkloads", "tapConfigurations", "primary")

routes = ArmRoutes()


def require_reference(call: Call, referenced: str | None, referrer: str) -> dict:
    """A resource another one points at, or ARM's InvalidResourceReference."""
    body = call.tx.get(referenced) if referenced else None
    if body is None:
        raise bad_request("InvalidResourceReference", INVALID_RESOURCE_REFERENCE.format(
            referenced=referenced, referrer=referrer))
    return body


def check_public_ip_free(call: Call, public_ip: dict, config_id: str, owner_id: str) -> None:
    holder = (public_ip["properties"].get("ipConfiguration") or {}).get("id")
    if holder and not holder.lower().startswith(owner_id.lower() + "/"):
        raise bad_request("PublicIPAddressInUse", PUBLIC_IP_IN_USE.format(
            ip=public_ip["id"], other=holder, config=config_id))


def frontend_addresses(tx, subnet_id: str, except_owner: str | None = None) -> dict[str, str]:
    """Private IP → frontend id, for the addresses internal load balancers hold in a subnet (leaving
    out those of ``except_owner``); ``network_state.addresses_in_use`` counts NICs and firewalls."""
    used = {}
    for balancer in tx.list(LOAD_BALANCER_TYPE, network_state.EVERYWHERE):
        if except_owner and same_id(balancer["id"], except_owner):
            continue
        for frontend in balancer["properties"].get("frontendIPConfigurations") or []:
            properties = frontend["properties"]
            if same_id((properties.get("subnet") or {}).get("id"), subnet_id):
                used[properties["privateIPAddress"]] = frontend["id"]
    return used


def allocate_private_ip(call: Call, subnet: dict, config_id: str, owner_id: str, method: str,
                        requested: str | None, kept: str | None, taken: dict[str, str] | None = None) -> str:
    """The private IP for one IP configuration: ``requested`` (Static), else the one it already
    has (``kept``), else the lowest free usable address of the subnet (``taken``: addresses the
    owner's other configurations of the same request hold)."""
    network = network_state.subnet_networks(subnet)[0]
    used = {**network_state.addresses_in_use(call.tx, subnet["id"], except_owner=owner_id),
            **frontend_addresses(call.tx, subnet["id"], except_owner=owner_id), **(taken or {})}
    hosts = network_state.usable_hosts(network)
    if method == "Static":
        try:
            address = ipaddress.ip_address(requested or "")
        except ValueError:
            address = None
        if address is None or address not in network:
            raise bad_request("PrivateIPAddressNotInSubnet", ADDRESS_NOT_IN_SUBNET.format(
                ip=requested, prefix=network))
        if int(address) - int(network.network_address) not in hosts:
            raise bad_request("PrivateIPAddressIsReserved", ADDRESS_RESERVED.format(
                ip=address, subnet=subnet["id"], first=network[hosts.start], last=network[hosts.stop - 1]))
        if str(address) in used:
            raise bad_request("PrivateIPAddressInUse", ADDRESS_IN_USE.format(
                config=config_id, ip=address, other=used[str(address)]))
        return str(address)
    if kept and kept not in used and ipaddress.ip_address(kept) in network:
        return kept
    for offset in hosts:
        candidate = str(network[offset])
        if candidate not in used:
            return candidate
    raise bad_request("SubnetIsFull", SUBNET_FULL.format(subnet=subnet["name"], prefix=network))


class NetworkInterfaces(ResourceType):
    type = NIC_TYPE

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        for key in NIC_SERVER_OWNED:
            properties.pop(key, None)
            if existing and key in existing["properties"]:
                properties[key] = existing["properties"][key]
        before = {c["name"].lower(): c for c in (existing or {}).get("properties", {}).get("ipConfigurations") or []}
        configs, taken = properties.get("ipConfigurations") or [], {}
        properties["ipConfigurations"] = []
        for index, config in enumerate(configs):  # a NIC's own configurations never share an address
            built = self.ip_configuration(call, rid, config, index, before.get(config.get("name", "").lower()), taken)
            taken[built["properties"]["privateIPAddress"]] = built["id"]
            properties["ipConfigurations"].append(built)
        properties.setdefault("dnsSettings", {})
        properties["dnsSettings"].setdefault("dnsServers", [])
        properties["dnsSettings"]["appliedDnsServers"] = list(properties["dnsSettings"]["dnsServers"])
        properties.setdefault("enableAcceleratedNetworking", False)
        properties.setdefault("disableTcpStateTracking", False)
        properties.setdefault("enableIPForwarding", False)
        properties.setdefault("nicType", "Standard")
        properties["vnetEncryptionSupported"] = False
        properties["resourceGuid"] = stable_uuid(str(rid))
        return request

    def ip_configuration(self, call, nic_rid: ResourceId, config: dict, index: int, before: dict | None,
                         taken: dict[str, str]) -> dict:
        name = config.get("name") or f"ipconfig{index + 1}"
        config_id = f"{nic_rid}/ipConfigurations/{name}"
        properties = copy.deepcopy(config.get("properties") or {})
        subnet = require_reference(call, (properties.get("subnet") or {}).get("id"), config_id)
        properties["subnet"] = {"id": subnet["id"]}
        method = (properties.get("privateIPAllocationMethod") or "Dynamic").capitalize()
        if method not in ("Dynamic", "Static"):
            raise bad_request("InvalidRequestFormat", INVALID_ALLOCATION.format(
                config=config_id, value=properties["privateIPAllocationMethod"]))
        kept = None
        if before and same_id(before["properties"]["subnet"]["id"], subnet["id"]):
            kept = before["properties"].get("privateIPAddress")
        properties["privateIPAllocationMethod"] = method
        properties["privateIPAddress"] = allocate_private_ip(
            call, subnet, config_id, str(nic_rid), method, properties.get("privateIPAddress"), kept, taken)
        if properties.get("publicIPAddress"):
            public_ip = require_reference(call, properties["publicIPAddress"].get("id"), config_id)
            check_public_ip_free(call, public_ip, config_id, str(nic_rid))
            properties["publicIPAddress"] = {"id": public_ip["id"]}
        else:
            properties.pop("publicIPAddress", None)
        properties.setdefault("primary", index == 0)
        properties["privateIPAddressVersion"] = "IPv4"
        properties["provisioningState"] = "Succeeded"
        return {"name": name, "id": config_id, "type": IP_CONFIGURATION_TYPE, "properties": properties}

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        for config in body["properties"]["ipConfigurations"]:
            config["etag"] = stored["etag"]
        return body

    def before_delete(self, call, rid, stored):
        """Azure detaches a NIC only with its VM: the VM must go first."""
        vm = stored["properties"].get("virtualMachine")
        if vm:
            raise bad_request("NicInUse", NIC_IN_USE.format(nic=stored["id"], vm=vm["id"]))

    def after_write(self, call, rid, stored, request):
        network_state.relink(call.tx, stored["id"], links_of(stored))

    def after_delete(self, call, rid, stored):
        network_state.relink(call.tx, stored["id"], [])


def links_of(owner: dict) -> list[IpConfigurationLink]:
    """What each IP configuration of a NIC or firewall uses (for the back-references)."""
    return [IpConfigurationLink(c["id"], (c["properties"].get("subnet") or {}).get("id"),
                                (c["properties"].get("publicIPAddress") or {}).get("id"))
            for c in owner["properties"].get("ipConfigurations") or []]


def effective_route_body(call: Call, nic: dict) -> dict:
    """``{"value": [...]}`` in Azure's EffectiveRoute shape for the NIC's primary subnet."""
    configs = nic["properties"].get("ipConfigurations") or []
    primary = next((c for c in configs if c["properties"].get("primary")), configs[0] if configs else None)
    if primary is None:
        return {"value": []}
    subnet_id = primary["properties"]["subnet"]["id"]
    table = network_state.route_table_of(call.tx, subnet_id)
    user_routes = table["properties"]["routes"] if table else []
    disable_bgp = bool(table and table["properties"].get("disableBgpRoutePropagation"))
    value = []
    for route in network_state.subnet_effective_routes(call.tx, subnet_id):
        entry = {"source": route.source, "state": route.state, "addressPrefix": [route.address_prefix],
                 "nextHopType": route.next_hop_type,
                 "nextHopIpAddress": [route.next_hop_ip] if route.next_hop_ip else [],
                 "disableBgpRoutePropagation": disable_bgp}
        if route.source == "User":
            entry["name"] = next(r["name"] for r in user_routes
                                 if r["properties"]["addressPrefix"] == route.address_prefix
                                 and r["properties"]["nextHopType"] == route.next_hop_type)
        value.append(entry)
    return {"value": value}


@routes.post(NIC_PATH + "/effectiveRouteTable")
def get_effective_route_table(call: Call) -> Response:
    nic = require(call, NICS.resource_id(call))
    op_id = record_operation(call, "effectiveRouteTable", nic["id"], EFFECTIVE_ROUTES_POLLS)
    location = management_url(call, f"{nic['id']}/operationResults/{op_id}")
    return Response(HTTPStatus.ACCEPTED, None, {"Location": location})


@routes.get(NIC_PATH + "/operationResults/{operationId}")
def effective_route_table_result(call: Call) -> Response:
    op = advance_operation(call, call.params["operationId"])
    nic = require(call, NICS.resource_id(call))
    if op["status"] == "InProgress":
        return Response(HTTPStatus.ACCEPTED, None,
                        {"Location": poll_again_url(call)})
    if op["status"] == "Failed":
        raise ArmError(HTTPStatus.BAD_REQUEST, op["error"]["code"], op["error"]["message"])
    return Response(HTTPStatus.OK, effective_route_body(call, nic))


NICS = routes.resource(NetworkInterfaces())
