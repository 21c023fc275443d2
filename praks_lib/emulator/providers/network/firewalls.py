"""Microsoft.Network Azure Firewalls (classic rule collections) and Firewall Policies with their
rule collection groups.

Azure behaviours kept (see the recorded traffic in tests/fixtures/azure-cli-recordings):
- Create and update are long-running: the PUT answers ``provisioningState: Updating`` with an
  ``Azure-AsyncOperation`` header; the firewall turns ``Succeeded`` after a few polls. Nested
  IP configurations and rule collections show the firewall's state and etag.
- A PUT replaces the rule collections (create-or-update); rules echo every list, empty or not.
- An IP configuration sits on a subnet named exactly ``AzureFirewallSubnet`` of /26 or larger and
  takes a Standard, Static public IP that nothing else uses; its private IP is the subnet's fourth
  address (x.x.x.4). The subnet and the public IP point back at it and refuse deletion meanwhile;
  deleting the firewall (or its resource group) releases them.
- A firewall without IP configurations is accepted (as Azure does; it is simply not deployed).
- Tiers (facts in network.yaml): a deployed Basic firewall needs a management IP configuration
  (AzureFirewallManagementSubnet, /26 or larger, and a second public IP), which cannot be added to
  a firewall deployed without one; Basic and Premium take no classic rules, only a Firewall Policy
  of a tier they accept; a Basic policy has no DNS proxy, so no FQDNs in network rules.
- A firewall takes its rules from a Firewall Policy or from classic rule collections, not both in
  one PUT (switching is one PUT that sets the one and empties the other).
- A policy a firewall uses, or that another policy names as its ``basePolicy``, cannot be deleted:
  the firewall (or the child policy) goes first. A resource group's delete takes them all.
- A policy keeps its tier; it holds only what its tier offers (DNS proxy not on Basic, IDPS only
  on Premium). FQDNs in a policy's network rules need its DNS proxy once a deployed firewall uses it.
- Rule collections are validated with the runbook's own firewall model
  (:class:`praks_lib.firewall.RuleSet`); problems come back as one 400 naming collection and rule.

The checks, codes and messages are in :mod:`.firewall_validation`.
"""

from __future__ import annotations

import copy
import json

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request, catalog_error
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.providers.network.firewall_validation import (
    POLICY_TYPE,
    PUBLIC_IP_MISSING,
    RULE_COLLECTION_GROUP_TYPE,
    SUBNET_MISSING_REFERENCE,
    check_classic_rules,
    check_firewall_public_ip,
    check_firewall_tier,
    check_fqdns_resolvable,
    check_one_rule_source,
    check_policy,
    check_policy_attachment,
    check_policy_group_fqdns,
    check_policy_rules,
    check_policy_unused,
    child_policies,
    firewall_subnet_private_ip,
    firewalls_using,
    management_subnet_private_ip,
    policy_dns_proxy,
    policy_in_use,
)
from praks_lib.emulator.providers.network.interfaces import links_of, require_reference
from praks_lib.emulator.world import network_state
from praks_lib.emulator.world.network_state import FIREWALL_TYPE

# Which lists each classic rule kind echoes (empty when not given), as the recordings show.
RULE_LISTS = {
    "networkRuleCollections": ("protocols", "sourceAddresses", "destinationAddresses", "sourceIpGroups",
                               "destinationIpGroups", "destinationFqdns", "destinationPorts"),
    "applicationRuleCollections": ("protocols", "sourceAddresses", "sourceIpGroups", "targetFqdns",
                                   "fqdnTags"),
    "natRuleCollections": ("protocols", "sourceAddresses", "sourceIpGroups", "destinationAddresses",
                           "destinationPorts"),
}


routes = ArmRoutes()


# firewalls --------------------------------------------------------------------------------


def firewall_ip_configuration(call, firewall_rid: ResourceId, config: dict, index: int) -> dict:
    name = config.get("name") or f"ipconfig{index + 1}"
    config_id = f"{firewall_rid}/ipConfigurations/{name}"
    properties = copy.deepcopy(config.get("properties") or {})
    for server_owned in ("privateIPAddress", "provisioningState"):
        properties.pop(server_owned, None)
    subnet_id = (properties.get("subnet") or {}).get("id")
    if index == 0 and not subnet_id:
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", [
            {"code": "MissingJsonReferenceId", "message": SUBNET_MISSING_REFERENCE.format(index=index)}])
    if subnet_id:
        subnet = require_reference(call, subnet_id, config_id)
        properties["subnet"] = {"id": subnet["id"]}
        properties["privateIPAddress"] = firewall_subnet_private_ip(call, firewall_rid, config_id, subnet)
    public_ip_id = (properties.get("publicIPAddress") or {}).get("id")
    if not public_ip_id:
        raise bad_request("AzureFirewallPublicIpMissing", PUBLIC_IP_MISSING.format(
            config=config_id, firewall=firewall_rid))
    public_ip = require_reference(call, public_ip_id, config_id)
    check_firewall_public_ip(call, firewall_rid, config_id, public_ip)
    properties["publicIPAddress"] = {"id": public_ip["id"]}
    return {"name": name, "id": config_id,
            "type": f"{FIREWALL_TYPE}/azureFirewallIpConfigurations", "properties": properties}


def management_ip_configuration(call, firewall_rid: ResourceId, config: dict) -> dict:
    """The Basic tier's (or forced tunneling's) management NIC: AzureFirewallManagementSubnet and a
    public IP of its own, both required."""
    name = config.get("name") or "managementIpConfiguration"
    config_id = f"{firewall_rid}/ipConfigurations/{name}"
    properties = copy.deepcopy(config.get("properties") or {})
    for server_owned in ("privateIPAddress", "provisioningState"):
        properties.pop(server_owned, None)
    subnet_id = (properties.get("subnet") or {}).get("id")
    public_ip_id = (properties.get("publicIPAddress") or {}).get("id")
    if not subnet_id or not public_ip_id:
        raise catalog_error("firewall_management_ip_configuration", firewall=firewall_rid.name)
    subnet = require_reference(call, subnet_id, config_id)
    properties["subnet"] = {"id": subnet["id"]}
    properties["privateIPAddress"] = management_subnet_private_ip(firewall_rid, subnet)
    public_ip = require_reference(call, public_ip_id, config_id)
    check_firewall_public_ip(call, firewall_rid, config_id, public_ip)
    properties["publicIPAddress"] = {"id": public_ip["id"]}
    return {"name": name, "id": config_id,
            "type": f"{FIREWALL_TYPE}/azureFirewallIpConfigurations", "properties": properties}


def firewall_links(firewall: dict) -> list:
    """What the firewall's IP configurations use, its management one included."""
    management = firewall["properties"].get("managementIpConfiguration")
    extra = links_of({"properties": {"ipConfigurations": [management]}}) if management else []
    return links_of(firewall) + extra


def rule_collection(firewall_rid: ResourceId, key: str, collection: dict) -> dict:
    name = collection.get("name", "")
    properties = copy.deepcopy(collection.get("properties") or {})
    properties.pop("provisioningState", None)
    rules = []
    for rule in properties.get("rules") or []:
        rule = dict(rule)
        for list_name in RULE_LISTS[key]:
            rule[list_name] = rule.get(list_name) or []
        rules.append(rule)
    properties["rules"] = rules
    return {"name": name, "id": f"{firewall_rid}/{key}/{name}", "type": f"{FIREWALL_TYPE}/{key}",
            "properties": properties}






class AzureFirewalls(ResourceType):
    type = FIREWALL_TYPE
    polls = 2

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        properties.pop("hubIPAddresses", None)
        sku = properties.setdefault("sku", {})
        sku.setdefault("name", "AZFW_VNet")
        sku.setdefault("tier", "Standard")
        properties.setdefault("threatIntelMode", "Alert")
        properties.setdefault("additionalProperties", {})
        properties["ipConfigurations"] = [
            firewall_ip_configuration(call, rid, config, index)
            for index, config in enumerate(properties.get("ipConfigurations") or [])
        ]
        management = properties.get("managementIpConfiguration")
        if management:
            properties["managementIpConfiguration"] = management_ip_configuration(call, rid, management)
        else:
            properties.pop("managementIpConfiguration", None)
        for key in RULE_LISTS:
            properties[key] = [rule_collection(rid, key, c) for c in properties.get(key) or []]
        policy_id = (properties.get("firewallPolicy") or {}).get("id")
        if policy_id:
            policy = require_reference(call, policy_id, str(rid))
            properties["firewallPolicy"] = {"id": policy["id"]}
            check_one_rule_source(rid, properties, policy)
        else:
            properties.pop("firewallPolicy", None)
        check_firewall_tier(rid, properties, existing)
        if policy_id:
            check_policy_attachment(call.tx, rid, properties, policy)
        check_classic_rules(rid, request)
        return request

    def view(self, call, stored):
        """Nested IP configurations and collections carry the firewall's etag and state."""
        body = copy.deepcopy(stored)
        state = body["properties"]["provisioningState"]
        management = body["properties"].get("managementIpConfiguration")
        for key in ("ipConfigurations", *RULE_LISTS):
            for item in body["properties"][key] + ([management] if management and key == "ipConfigurations" else []):
                item["etag"] = body["etag"]
                item["properties"]["provisioningState"] = state
        return body

    def after_write(self, call, rid, stored, request):
        network_state.relink(call.tx, stored["id"], firewall_links(stored))

    def after_delete(self, call, rid, stored):
        network_state.relink(call.tx, stored["id"], [])


# firewall policies ------------------------------------------------------------------------


def policy_size(body: dict) -> str:
    """Azure reports a policy's (and a group's) serialized size in MB."""
    return f"{len(json.dumps(body, sort_keys=True)) / 1_048_576:.4f}MB"


class FirewallPolicies(ResourceType):
    type = POLICY_TYPE

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        for server_owned in ("ruleCollectionGroups", "firewalls", "childPolicies", "size"):
            properties.pop(server_owned, None)
        properties.setdefault("threatIntelMode", "Alert")
        properties.setdefault("sku", {}).setdefault("tier", "Standard")
        check_policy(rid, properties, existing)
        if existing and policy_dns_proxy(existing) and not policy_dns_proxy(request) and policy_in_use(
                call.tx, existing):
            check_fqdns_resolvable(call.tx.children(existing["id"], RULE_COLLECTION_GROUP_TYPE))
        return request

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        properties = body["properties"]
        properties["ruleCollectionGroups"] = [
            {"id": g["id"]} for g in call.tx.children(stored["id"], RULE_COLLECTION_GROUP_TYPE)]
        properties["firewalls"] = [{"id": f["id"]} for f in firewalls_using(call.tx, stored)]
        properties["childPolicies"] = [{"id": p["id"]} for p in child_policies(call.tx, stored)]
        properties["size"] = policy_size(stored)
        return body

    def before_delete(self, call, rid, stored):
        check_policy_unused(call.tx, stored)


class RuleCollectionGroups(ResourceType):
    type = RULE_COLLECTION_GROUP_TYPE
    location_required = False

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        properties.pop("size", None)
        properties.setdefault("ruleCollections", [])
        check_policy_rules(rid, request)
        check_policy_group_fqdns(call.tx, call.tx.get(str(rid.parent)), request)
        return request

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        body["properties"]["size"] = policy_size(stored)
        return body


FIREWALLS = routes.resource(AzureFirewalls())
POLICIES = routes.resource(FirewallPolicies())
RULE_COLLECTION_GROUPS = routes.resource(RuleCollectionGroups())
