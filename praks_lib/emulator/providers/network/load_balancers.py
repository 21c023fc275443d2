"""Microsoft.Network load balancers: what AKS builds for Services of type LoadBalancer, and what the
runbook's validation reads to find public frontends.

Azure behaviours kept:
- Standard SKU only: Basic load balancers are retired, and the REST default SKU is still Basic, so
  a request must name the SKU.
- A frontend IP configuration names either a public IP (it must exist and be Standard SKU:
  ``PublicIPAndLBSkuDoNotMatch``; not used elsewhere: ``PublicIPAddressInUse``) or a subnet with a
  private IP (``Dynamic``: the lowest free usable address, kept on later updates; ``Static``: inside
  the subnet, not reserved, free), never both and never neither. A load balancer is public or
  internal, not both.
- The subnet lists the frontend in its ``ipConfigurations`` and the public IP points back at it
  (``ipConfiguration``): neither can be deleted while the load balancer uses it.
- Backend pools, load-balancing rules and probes are stored inside the load balancer, each with its
  id, type and the load balancer's etag. A rule's frontend, pools and probe must be this load
  balancer's (``InvalidResourceReference``). The read-only back-references are computed:
  ``loadBalancingRules`` on frontends, pools and probes. A pool's ``backendIPConfigurations`` are
  set by the NICs that join it (here: AKS's scale-set instances); a client cannot set them, and a
  load balancer whose pool a scale set uses cannot be deleted.
- Each sub-collection can be listed and read: ``…/loadBalancers/<lb>/frontendIPConfigurations[/<name>]``,
  ``backendAddressPools``, ``loadBalancingRules``, ``probes``.
"""

from __future__ import annotations

import copy
from http import HTTPStatus

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import INVALID_RESOURCE_REFERENCE, NotEmulated, bad_request, not_found
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, require, require_group
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.providers.network.interfaces import allocate_private_ip, check_public_ip_free, require_reference
from praks_lib.emulator.world import network_state
from praks_lib.emulator.world.network_state import IpConfigurationLink

LOAD_BALANCER_TYPE = "Microsoft.Network/loadBalancers"
FRONTENDS, POOLS, RULES, PROBES = ("frontendIPConfigurations", "backendAddressPools", "loadBalancingRules",
                                   "probes")
NOT_EMULATED_COLLECTIONS = ("inboundNatRules", "inboundNatPools", "outboundRules")
RULE_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "all": "All"}
PROBE_PROTOCOLS = {"tcp": "Tcp", "http": "Http", "https": "Https"}
SCALE_SET_SEGMENT = "/providers/microsoft.compute/virtualmachinescalesets/"

# Azure's codes and texts (seen in real 400 answers).
BOTH_SUBNET_AND_PUBLIC_IP = ("Frontend IP Configuration {config} must not reference both a Subnet and a Public IP "
                             "Address.")
NO_SUBNET_OR_PUBLIC_IP = "Frontend IP Configuration {config} must reference either a Subnet or a Public IP Address."
SKU_MISMATCH = "Standard sku load balancer {lb} cannot reference {sku} sku publicIP {ip}."
IN_USE_BY_SCALE_SET = ("Cannot delete load balancer {lb} since its child resources {pools} are in use by virtual "
                       "machine scale set {vmss}.")
# Reconstructed (code and text): Basic load balancers were retired on 30 September 2025.
BASIC_SKU_RETIRED = ("Basic SKU load balancers are retired and cannot be created; load balancer {lb} must use "
                     "sku {{\"name\": \"Standard\"}}.")
# Reconstructed (code and text).
PUBLIC_AND_PRIVATE = ("Load balancer {lb} cannot have both public frontend IP configurations ({public}) and private "
                      "ones ({private}); use one public and one internal load balancer.")
NAME_MISSING = "Load balancer {lb}: {collection}[{index}] has no name; every {collection} entry needs a unique name."
FIELD_MISSING = "{item} needs '{field}'."
INVALID_VALUE = "{item} has an invalid {field} '{value}' (allowed: {allowed})."
NOT_EMULATED = ("praks emulator: {collection} of load balancers are not emulated (load balancer {lb}); "
                "leave it out or empty.")

routes = ArmRoutes()


def _items(properties: dict, collection: str, lb_rid: ResourceId) -> list[tuple[str, str, dict]]:
    """(name, id, properties) of each entry of a sub-collection in a request."""
    items = []
    for index, item in enumerate(properties.get(collection) or []):
        name = item.get("name")
        if not name:
            raise bad_request("InvalidRequestFormat", NAME_MISSING.format(lb=lb_rid, collection=collection,
                                                                          index=index))
        items.append((name, f"{lb_rid}/{collection}/{name}", copy.deepcopy(item.get("properties") or {})))
    return items


def _child(collection: str, name: str, item_id: str, properties: dict, extra: dict | None = None) -> dict:
    child = {"name": name, "id": item_id, "type": f"{LOAD_BALANCER_TYPE}/{collection}", **(extra or {}),
             "properties": properties}
    properties["provisioningState"] = "Succeeded"
    return child


def _by_name(body: dict | None, collection: str) -> dict[str, dict]:
    return {c["name"].lower(): c for c in ((body or {}).get("properties") or {}).get(collection) or []}


def _choice(item: str, field: str, value, allowed: dict[str, str]) -> str:
    if value is None:
        raise bad_request("InvalidRequestFormat", FIELD_MISSING.format(item=item, field=field))
    if str(value).lower() not in allowed:
        raise bad_request("InvalidRequestFormat", INVALID_VALUE.format(
            item=item, field=field, value=value, allowed=", ".join(allowed.values())))
    return allowed[str(value).lower()]


def _reference(wanted: dict | None, known: set[str], referrer: str) -> dict | None:
    """``{"id": …}`` of a sibling sub-resource, checked to exist in this load balancer."""
    referenced = (wanted or {}).get("id")
    if not referenced:
        return None
    if referenced.lower() not in known:
        raise bad_request("InvalidResourceReference", INVALID_RESOURCE_REFERENCE.format(
            referenced=referenced, referrer=referrer))
    return {"id": referenced}


class LoadBalancers(ResourceType):
    type = LOAD_BALANCER_TYPE

    def build(self, call, rid, request, existing):
        sku = request.setdefault("sku", {"name": "Basic"})
        if str(sku.get("name", "Basic")).lower() != "standard":
            raise bad_request("BasicSkuLoadBalancerCreationNotAllowed", BASIC_SKU_RETIRED.format(lb=rid))
        request["sku"] = {"name": "Standard", "tier": sku.get("tier") or "Regional"}
        properties = request.setdefault("properties", {})
        for collection in NOT_EMULATED_COLLECTIONS:
            if properties.get(collection):
                raise NotEmulated(NOT_EMULATED.format(collection=collection, lb=rid))
            properties[collection] = []
        before_frontends, before_pools = _by_name(existing, FRONTENDS), _by_name(existing, POOLS)
        frontends = [self.frontend(call, rid, name, item_id, props, before_frontends.get(name.lower()))
                     for name, item_id, props in _items(properties, FRONTENDS, rid)]
        self.check_one_kind(rid, frontends)
        pools = [self.pool(name, item_id, props, before_pools.get(name.lower()))
                 for name, item_id, props in _items(properties, POOLS, rid)]
        probes = [self.probe(name, item_id, props) for name, item_id, props in _items(properties, PROBES, rid)]
        known = {item["id"].lower() for item in frontends + pools + probes}
        rules = [self.rule(name, item_id, props, known) for name, item_id, props in _items(properties, RULES, rid)]
        link_rules(frontends, pools, probes, rules)
        properties.update({FRONTENDS: frontends, POOLS: pools, PROBES: probes, RULES: rules,
                           "resourceGuid": stable_uuid(str(rid))})
        return request

    def frontend(self, call, lb_rid: ResourceId, name: str, config_id: str, properties: dict,
                 before: dict | None) -> dict:
        for server_owned in (RULES, *NOT_EMULATED_COLLECTIONS, "provisioningState"):
            properties.pop(server_owned, None)
        public_ip_id = (properties.get("publicIPAddress") or {}).get("id")
        subnet_id = (properties.get("subnet") or {}).get("id")
        if public_ip_id and subnet_id:
            raise bad_request("FrontendIPConfigHasBothSubnetAndPublicIP",
                              BOTH_SUBNET_AND_PUBLIC_IP.format(config=config_id))
        if not public_ip_id and not subnet_id:
            raise bad_request("FrontendIPConfigHasNoSubnetOrPublicIP", NO_SUBNET_OR_PUBLIC_IP.format(config=config_id))
        if public_ip_id:
            public_ip = require_reference(call, public_ip_id, config_id)
            sku = (public_ip.get("sku") or {}).get("name", "Basic")
            if sku.lower() != "standard":
                raise bad_request("PublicIPAndLBSkuDoNotMatch", SKU_MISMATCH.format(
                    lb=lb_rid, sku=sku, ip=public_ip["id"]))
            check_public_ip_free(call, public_ip, config_id, str(lb_rid))
            for private_only in ("privateIPAddress", "privateIPAddressVersion", "subnet"):
                properties.pop(private_only, None)
            properties.update({"publicIPAddress": {"id": public_ip["id"]}, "privateIPAllocationMethod": "Dynamic"})
            return _child(FRONTENDS, name, config_id, properties)
        subnet = require_reference(call, subnet_id, config_id)
        method = _choice(config_id, "privateIPAllocationMethod", properties.get("privateIPAllocationMethod")
                         or "Dynamic", {"dynamic": "Dynamic", "static": "Static"})
        kept = None
        if before and same_id((before["properties"].get("subnet") or {}).get("id"), subnet["id"]):
            kept = before["properties"].get("privateIPAddress")
        address = allocate_private_ip(call, subnet, config_id, str(lb_rid), method,
                                      properties.get("privateIPAddress"), kept)
        properties.update({"subnet": {"id": subnet["id"]}, "privateIPAllocationMethod": method,
                           "privateIPAddress": address, "privateIPAddressVersion": "IPv4"})
        return _child(FRONTENDS, name, config_id, properties)

    @staticmethod
    def check_one_kind(rid: ResourceId, frontends: list[dict]) -> None:
        public = [f["name"] for f in frontends if "publicIPAddress" in f["properties"]]
        private = [f["name"] for f in frontends if "subnet" in f["properties"]]
        if public and private:
            raise bad_request("LoadBalancerWithPublicAndPrivateFrontends", PUBLIC_AND_PRIVATE.format(
                lb=rid, public=", ".join(public), private=", ".join(private)))

    @staticmethod
    def pool(name: str, pool_id: str, properties: dict, before: dict | None) -> dict:
        """A backend pool; its ``backendIPConfigurations`` are the NICs' doing, kept from before."""
        for server_owned in ("backendIPConfigurations", RULES, "outboundRule", "outboundRules", "inboundNatRules",
                             "provisioningState"):
            properties.pop(server_owned, None)
        joined = ((before or {}).get("properties") or {}).get("backendIPConfigurations")
        if joined:
            properties["backendIPConfigurations"] = joined
        return _child(POOLS, name, pool_id, properties)

    @staticmethod
    def probe(name: str, probe_id: str, properties: dict) -> dict:
        properties.pop(RULES, None)
        properties["protocol"] = _choice(probe_id, "protocol", properties.get("protocol"), PROBE_PROTOCOLS)
        if properties.get("port") is None:
            raise bad_request("InvalidRequestFormat", FIELD_MISSING.format(item=probe_id, field="port"))
        properties.setdefault("intervalInSeconds", 15)
        properties.setdefault("numberOfProbes", 2)
        properties.setdefault("probeThreshold", 1)
        return _child(PROBES, name, probe_id, properties)

    @staticmethod
    def rule(name: str, rule_id: str, properties: dict, known: set[str]) -> dict:
        properties["frontendIPConfiguration"] = _reference(properties.get("frontendIPConfiguration"), known, rule_id)
        if properties["frontendIPConfiguration"] is None:
            raise bad_request("InvalidRequestFormat",
                              FIELD_MISSING.format(item=rule_id, field="frontendIPConfiguration"))
        properties["protocol"] = _choice(rule_id, "protocol", properties.get("protocol"), RULE_PROTOCOLS)
        if properties.get("frontendPort") is None:
            raise bad_request("InvalidRequestFormat", FIELD_MISSING.format(item=rule_id, field="frontendPort"))
        pools = [_reference(p, known, rule_id) for p in properties.get("backendAddressPools") or []]
        single = _reference(properties.get("backendAddressPool"), known, rule_id)
        pools = pools or ([single] if single else [])
        properties.pop("backendAddressPool", None)
        properties.pop("backendAddressPools", None)
        if pools:
            properties.update({"backendAddressPool": pools[0], "backendAddressPools": pools})
        probe = _reference(properties.get("probe"), known, rule_id)
        if probe:
            properties["probe"] = probe
        properties.setdefault("backendPort", properties["frontendPort"])
        for key, default in (("idleTimeoutInMinutes", 4), ("enableFloatingIP", False), ("enableTcpReset", False),
                             ("disableOutboundSnat", False), ("loadDistribution", "Default")):
            properties.setdefault(key, default)
        return _child(RULES, name, rule_id, properties)

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        for collection in (FRONTENDS, POOLS, RULES, PROBES):
            for item in body["properties"].get(collection) or []:
                item["etag"] = stored["etag"]
        return body

    def before_delete(self, call, rid, stored):
        """A pool that a scale set's instances joined keeps its load balancer."""
        for pool in stored["properties"].get(POOLS) or []:
            for config in pool["properties"].get("backendIPConfigurations") or []:
                config_id = config["id"].lower()
                if SCALE_SET_SEGMENT in config_id:
                    vmss = config["id"][: config_id.index("/virtualmachines/", config_id.index(SCALE_SET_SEGMENT))]
                    raise bad_request("LoadBalancerInUseByVirtualMachineScaleSet", IN_USE_BY_SCALE_SET.format(
                        lb=stored["id"], pools=pool["name"], vmss=vmss))

    def after_write(self, call, rid, stored, request):
        network_state.relink(call.tx, stored["id"], frontend_links(stored))

    def after_delete(self, call, rid, stored):
        network_state.relink(call.tx, stored["id"], [])


def link_rules(frontends: list[dict], pools: list[dict], probes: list[dict], rules: list[dict]) -> None:
    """Azure's read-only back-references: each frontend, pool and probe lists the rules using it."""
    by_id = {item["id"].lower(): item for item in frontends + pools + probes}
    for rule in rules:
        properties = rule["properties"]
        used = [properties["frontendIPConfiguration"], *properties.get("backendAddressPools", []),
                *([properties["probe"]] if properties.get("probe") else [])]
        for reference in used:
            by_id[reference["id"].lower()]["properties"].setdefault(RULES, []).append({"id": rule["id"]})


def frontend_links(load_balancer: dict) -> list[IpConfigurationLink]:
    """What each frontend uses (for the subnet's and public IP's back-references)."""
    return [IpConfigurationLink(f["id"], (f["properties"].get("subnet") or {}).get("id"),
                                (f["properties"].get("publicIPAddress") or {}).get("id"))
            for f in load_balancer["properties"].get(FRONTENDS) or []]


LOAD_BALANCERS = routes.resource(LoadBalancers())


def _sub_resources(call: Call, collection: str) -> list[dict]:
    rid = LOAD_BALANCERS.resource_id(call)
    require_group(call, rid)
    return LOAD_BALANCERS.view(call, require(call, rid))["properties"].get(collection) or []


def _register_sub_collection(collection: str) -> None:
    item, _, _ = LOAD_BALANCERS.templates()

    def list_items(call: Call) -> Response:
        return Response(HTTPStatus.OK, {"value": _sub_resources(call, collection)})

    def get_item(call: Call) -> Response:
        wanted = call.params["childName"].lower()
        found = next((i for i in _sub_resources(call, collection) if i["name"].lower() == wanted), None)
        if found is None:
            raise not_found(LOAD_BALANCERS.resource_id(call).child(collection, call.params["childName"]))
        return Response(HTTPStatus.OK, found)

    routes.add("GET", f"{item}/{collection}", list_items)
    routes.add("GET", f"{item}/{collection}/{{childName}}", get_item)


for _collection in (FRONTENDS, POOLS, RULES, PROBES):
    _register_sub_collection(_collection)
