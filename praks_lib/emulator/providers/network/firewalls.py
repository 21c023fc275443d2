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
- Rule collections are validated with the runbook's own firewall model
  (:class:`praks_lib.firewall.RuleSet`); problems come back as one 400 naming collection and rule.

Error codes and messages: ``InvalidResourceReference`` and ``MissingJsonReferenceId`` are ARM's
and Microsoft.Network's own; ``AzureFirewallDNSProxyMustBeEnabled`` is Azure's code and text. The
codes and texts of the subnet name/size, public IP SKU/allocation and rule validation errors are
reconstructions (Azure's wording was not available to us); each names the resource and the fix.
"""

from __future__ import annotations

import copy
import json

from azure.mgmt.network import models as sdk_models

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.providers.network.interfaces import check_public_ip_free, links_of, require_reference
from praks_lib.emulator.world import network_state
from praks_lib.emulator.world.network_state import FIREWALL_TYPE
from praks_lib.firewall import RuleSet, RuleSetError

POLICY_TYPE = "Microsoft.Network/firewallPolicies"
RULE_COLLECTION_GROUP_TYPE = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
FIREWALL_SUBNET_NAME = "AzureFirewallSubnet"
LARGEST_FIREWALL_PREFIX = 26
PRIVATE_IP_OFFSET = 4  # the first address Azure does not reserve: x.x.x.4
DNS_PROXY_KEY = "Network.DNS.EnableProxy"

# Which lists each classic rule kind echoes (empty when not given), as the recordings show.
RULE_LISTS = {
    "networkRuleCollections": ("protocols", "sourceAddresses", "destinationAddresses", "sourceIpGroups",
                               "destinationIpGroups", "destinationFqdns", "destinationPorts"),
    "applicationRuleCollections": ("protocols", "sourceAddresses", "sourceIpGroups", "targetFqdns",
                                   "fqdnTags"),
    "natRuleCollections": ("protocols", "sourceAddresses", "sourceIpGroups", "destinationAddresses",
                           "destinationPorts"),
}

SUBNET_MISSING_REFERENCE = "Value for reference id is missing. Path properties.ipConfigurations[{index}].properties.subnet."
WRONG_SUBNET_NAME = (
    "Subnet {subnet} used by Azure Firewall {firewall} is named '{name}'. Azure Firewall can only "
    "be deployed in a subnet named exactly 'AzureFirewallSubnet'."
)
SUBNET_TOO_SMALL = (
    "Subnet {subnet} used by Azure Firewall {firewall} has prefix {prefix}. AzureFirewallSubnet "
    "must be /26 or larger (a prefix length of 26 or less)."
)
PUBLIC_IP_MISSING = (
    "IP configuration {config} of Azure Firewall {firewall} has no publicIPAddress. Give it a "
    "Standard SKU, Static public IP address."
)
PUBLIC_IP_NOT_STANDARD = (
    "Public IP address {ip} has SKU {sku}. Azure Firewall {firewall} requires a Standard SKU "
    "public IP address."
)
PUBLIC_IP_NOT_STATIC = (
    "Public IP address {ip} is allocated {method}. Azure Firewall {firewall} requires a public IP "
    "address with Static allocation."
)
DNS_PROXY_REQUIRED = "DNS Proxy must be enabled in order to use DestinationFqdns in Network Rules"
INVALID_RULES = "Azure Firewall {firewall} has invalid rules: {problems}"
INVALID_POLICY_RULES = "Rule collection group {group} has invalid rules: {problems}"

routes = ArmRoutes()


def invalid_rules(template: str, name: str, error: RuleSetError) -> ArmError:
    """A RuleSetError as one 400 naming each collection/rule, with a detail per problem."""
    problems = [str(p) for p in error.problems]
    details = [{"code": "InvalidRule", "message": p} for p in problems]
    key = "group" if "{group}" in template else "firewall"
    return ArmError(400, "AzureFirewallInvalidRuleCollection",
                    template.format(**{key: name, "problems": "; ".join(problems)}), details)


# firewalls --------------------------------------------------------------------------------


def firewall_subnet_private_ip(call, firewall_rid: ResourceId, config_id: str, subnet: dict) -> str:
    """Check that the subnet can hold a firewall; its fourth address is the firewall's."""
    if subnet["name"] != FIREWALL_SUBNET_NAME:
        raise bad_request("AzureFirewallSubnetMissing", WRONG_SUBNET_NAME.format(
            subnet=subnet["id"], firewall=firewall_rid, name=subnet["name"]))
    network = network_state.subnet_networks(subnet)[0]
    if network.prefixlen > LARGEST_FIREWALL_PREFIX:
        raise bad_request("AzureFirewallSubnetTooSmall", SUBNET_TOO_SMALL.format(
            subnet=subnet["id"], firewall=firewall_rid, prefix=network))
    return str(network[PRIVATE_IP_OFFSET])


def check_firewall_public_ip(call, firewall_rid: ResourceId, config_id: str, public_ip: dict) -> None:
    sku = (public_ip.get("sku") or {}).get("name", "Basic")
    if sku.lower() != "standard":
        raise bad_request("AzureFirewallPublicIpSkuNotStandard", PUBLIC_IP_NOT_STANDARD.format(
            ip=public_ip["id"], sku=sku, firewall=firewall_rid))
    method = public_ip["properties"].get("publicIPAllocationMethod", "Dynamic")
    if method.lower() != "static":
        raise bad_request("AzureFirewallPublicIpNotStatic", PUBLIC_IP_NOT_STATIC.format(
            ip=public_ip["id"], method=method, firewall=firewall_rid))
    check_public_ip_free(call, public_ip, config_id, str(firewall_rid))


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


def dns_proxy_enabled(properties: dict) -> bool:
    return str((properties.get("additionalProperties") or {}).get(DNS_PROXY_KEY, "")).lower() == "true"


def check_classic_rules(firewall_rid: ResourceId, body: dict) -> None:
    """Validate the rule collections with the runbook's firewall model."""
    try:
        RuleSet.from_sdk(sdk_models.AzureFirewall(copy.deepcopy(body)))
    except RuleSetError as error:
        raise invalid_rules(INVALID_RULES, firewall_rid.name, error) from None
    properties = body["properties"]
    # Azure accepted FQDN network rules without DNS proxy on a firewall with no IP configuration
    # (recordings); a deployed firewall refuses them.
    uses_fqdns = any(rule.get("destinationFqdns") for collection in properties["networkRuleCollections"]
                     for rule in collection["properties"]["rules"])
    if uses_fqdns and properties["ipConfigurations"] and not dns_proxy_enabled(properties):
        raise bad_request("AzureFirewallDNSProxyMustBeEnabled", DNS_PROXY_REQUIRED)


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
        for key in RULE_LISTS:
            properties[key] = [rule_collection(rid, key, c) for c in properties.get(key) or []]
        policy_id = (properties.get("firewallPolicy") or {}).get("id")
        if policy_id:
            properties["firewallPolicy"] = {"id": require_reference(call, policy_id, str(rid))["id"]}
        else:
            properties.pop("firewallPolicy", None)
        check_classic_rules(rid, request)
        return request

    def view(self, call, stored):
        """Nested IP configurations and collections carry the firewall's etag and state."""
        body = copy.deepcopy(stored)
        state = body["properties"]["provisioningState"]
        for key in ("ipConfigurations", *RULE_LISTS):
            for item in body["properties"][key]:
                item["etag"] = body["etag"]
                item["properties"]["provisioningState"] = state
        return body

    def after_write(self, call, rid, stored, request):
        network_state.relink(call.tx, stored["id"], links_of(stored))

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
        return request

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        properties = body["properties"]
        properties["ruleCollectionGroups"] = [
            {"id": g["id"]} for g in call.tx.children(stored["id"], RULE_COLLECTION_GROUP_TYPE)]
        properties["firewalls"] = [
            {"id": f["id"]} for f in call.tx.list(FIREWALL_TYPE, network_state.EVERYWHERE)
            if same_id((f["properties"].get("firewallPolicy") or {}).get("id"), stored["id"])]
        properties["childPolicies"] = []
        properties["size"] = policy_size(stored)
        return body


class RuleCollectionGroups(ResourceType):
    type = RULE_COLLECTION_GROUP_TYPE
    location_required = False

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        properties.pop("size", None)
        properties.setdefault("ruleCollections", [])
        group = sdk_models.FirewallPolicyRuleCollectionGroup({"name": rid.name, **copy.deepcopy(request)})
        try:
            RuleSet.from_sdk([group])
        except RuleSetError as error:
            raise invalid_rules(INVALID_POLICY_RULES, rid.name, error) from None
        except ValueError:
            pass  # valid on Azure but beyond the offline engine (web categories, URLs): accepted
        return request

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        body["properties"]["size"] = policy_size(stored)
        return body


FIREWALLS = routes.resource(AzureFirewalls())
POLICIES = routes.resource(FirewallPolicies())
RULE_COLLECTION_GROUPS = routes.resource(RuleCollectionGroups())
