"""What Azure Firewall and Firewall Policy check in a create-or-update or a delete: codes, messages, checks.

``InvalidResourceReference`` and ``MissingJsonReferenceId`` are ARM's and Microsoft.Network's own;
``AzureFirewallDNSProxyMustBeEnabled`` is Azure's code and text. The codes and texts of the subnet
name/size, public IP SKU/allocation and rule validation errors, of a policy beside classic rules and
of a policy deleted while in use, are reconstructions (Azure's wording was not available to us);
each names the resource and the fix. Rule collections are checked with the runbook's own firewall
model (:class:`praks_lib.firewall.RuleSet`).
"""

from __future__ import annotations

import copy

from praks_lib.azure import facts
from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request, catalog_error
from praks_lib.emulator.providers.network.interfaces import check_public_ip_free
from praks_lib.emulator.world import network_state
from praks_lib.firewall import RuleSet, RuleSetError

_FIREWALL = facts.load("network")["firewall"]
TIERS = _FIREWALL["tiers"]  # per firewall tier: policy tiers it takes, classic rules, DNS proxy, management NIC
MANAGEMENT_SUBNET_NAME = _FIREWALL["management_subnet_name"]
LARGEST_MANAGEMENT_PREFIX = _FIREWALL["management_largest_subnet_prefix"]
POLICY_TYPE = "Microsoft.Network/firewallPolicies"
RULE_COLLECTION_GROUP_TYPE = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
CLASSIC_RULE_LISTS = ("networkRuleCollections", "applicationRuleCollections", "natRuleCollections")
FIREWALL_SUBNET_NAME = "AzureFirewallSubnet"
LARGEST_FIREWALL_PREFIX = 26
PRIVATE_IP_OFFSET = 4  # the first address Azure does not reserve: x.x.x.4

SUBNET_MISSING_REFERENCE = "Value for reference id is missing. Path properties.ipConfigurations[{index}].properties.subnet."
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
INVALID_RULES = "Azure Firewall {firewall} has invalid rules: {problems}"
INVALID_POLICY_RULES = "Rule collection group {group} has invalid rules: {problems}"


def invalid_rules(template: str, name: str, error: RuleSetError) -> ArmError:
    """A RuleSetError as one 400 naming each collection/rule, with a detail per problem."""
    problems = [str(p) for p in error.problems]
    details = [{"code": "InvalidRule", "message": p} for p in problems]
    key = "group" if "{group}" in template else "firewall"
    return ArmError(400, "AzureFirewallInvalidRuleCollection",
                    template.format(**{key: name, "problems": "; ".join(problems)}), details)


def firewall_subnet_private_ip(call, firewall_rid: ResourceId, config_id: str, subnet: dict) -> str:
    """Check that the subnet can hold a firewall; its fourth address is the firewall's."""
    if subnet["name"] != FIREWALL_SUBNET_NAME:
        raise catalog_error("firewall_subnet_name", subnet=subnet["id"], firewall=firewall_rid, name=subnet["name"])
    network = network_state.subnet_networks(subnet)[0]
    if network.prefixlen > LARGEST_FIREWALL_PREFIX:
        raise catalog_error("firewall_subnet_too_small", subnet=subnet["id"], firewall=firewall_rid, prefix=network)
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


def check_classic_rules(firewall_rid: ResourceId, body: dict) -> None:
    """Validate the rule collections with the runbook's firewall model."""
    from azure.mgmt.network.models import AzureFirewall  # ~0.2 s: imported by the first firewall PUT

    try:
        RuleSet.from_sdk(AzureFirewall(copy.deepcopy(body)))
    except RuleSetError as error:
        raise invalid_rules(INVALID_RULES, firewall_rid.name, error) from None
    properties = body["properties"]
    # Azure accepted FQDN network rules without DNS proxy on a firewall with no IP configuration
    # (recordings); a deployed firewall refuses them.
    with_fqdns = [(collection["name"], rule["name"]) for collection in properties["networkRuleCollections"]
                  for rule in collection["properties"]["rules"] if rule.get("destinationFqdns")]
    if with_fqdns and properties["ipConfigurations"] and not network_state.classic_dns_proxy(properties):
        collection, rule = with_fqdns[0]
        raise catalog_error("firewall_dns_proxy_for_fqdns", rule=rule, collection=collection)


def check_policy_rules(group_rid: ResourceId, request: dict) -> None:
    """Validate a rule collection group's collections with the runbook's firewall model."""
    from azure.mgmt.network.models import FirewallPolicyRuleCollectionGroup  # ~0.2 s: on first use

    group = FirewallPolicyRuleCollectionGroup({"name": group_rid.name, **copy.deepcopy(request)})
    try:
        RuleSet.from_sdk([group])
    except RuleSetError as error:
        raise invalid_rules(INVALID_POLICY_RULES, group_rid.name, error) from None
    except ValueError:
        pass  # valid on Azure but beyond the offline engine (web categories, URLs): accepted


def management_subnet_private_ip(firewall_rid: ResourceId, subnet: dict) -> str:
    """The management IP configuration's subnet: AzureFirewallManagementSubnet, /26 or larger."""
    if subnet["name"] != MANAGEMENT_SUBNET_NAME:
        raise catalog_error("firewall_management_subnet_name", name=subnet["name"])
    network = network_state.subnet_networks(subnet)[0]
    if network.prefixlen > LARGEST_MANAGEMENT_PREFIX:
        raise catalog_error("firewall_management_subnet_too_small", prefix=network,
                            largest_prefix=LARGEST_MANAGEMENT_PREFIX)
    return str(network[PRIVATE_IP_OFFSET])


def check_firewall_tier(firewall_rid: ResourceId, properties: dict, existing: dict | None) -> None:
    """What the firewall's tier demands: Basic a management IP configuration, Basic and Premium a policy.

    A firewall without IP configurations is not deployed, and Azure accepts it as it is."""
    tier = properties["sku"]["tier"]
    rules = TIERS.get(tier, TIERS["Standard"])
    deployed = bool(properties["ipConfigurations"])
    management = properties.get("managementIpConfiguration")
    if deployed and rules["management_ip_configuration"] == "required" and not management:
        raise catalog_error("firewall_management_ip_configuration", firewall=firewall_rid.name)
    before = (existing or {}).get("properties") or {}
    if management and before.get("ipConfigurations") and not before.get("managementIpConfiguration"):
        raise catalog_error("firewall_management_ip_configuration_cannot_be_added", firewall=firewall_rid.name)
    if not rules["classic_rules"] and (has_classic_rules(properties) or (
            deployed and not properties.get("firewallPolicy"))):
        raise catalog_error("firewall_needs_policy", firewall=firewall_rid.name, tier=tier)


def has_classic_rules(properties: dict) -> bool:
    return any(properties[key] for key in CLASSIC_RULE_LISTS)


def check_one_rule_source(firewall_rid: ResourceId, properties: dict, policy: dict) -> None:
    """A firewall takes its rules from its policy or from its own classic collections, never both."""
    if has_classic_rules(properties):
        raise catalog_error("firewall_policy_and_rule_collections", firewall=firewall_rid.name, policy=policy["name"])


def check_policy_attachment(tx, firewall_rid: ResourceId, properties: dict, policy: dict) -> None:
    """A policy of a tier the firewall takes, whose FQDN network rules the firewall can resolve."""
    tier, policy_tier = properties["sku"]["tier"], policy["properties"]["sku"]["tier"]
    allowed = TIERS.get(tier, TIERS["Standard"])["policy_tiers"]
    if policy_tier not in allowed:
        raise catalog_error("firewall_policy_tier_mismatch", policy=policy["name"], policy_tier=policy_tier,
                            firewall=firewall_rid.name, firewall_tier=tier, allowed=" or ".join(allowed))
    if properties["ipConfigurations"] and not policy_dns_proxy(policy):
        check_fqdns_resolvable(tx.children(policy["id"], RULE_COLLECTION_GROUP_TYPE))


def policy_dns_proxy(policy: dict) -> bool:
    return bool((policy["properties"].get("dnsSettings") or {}).get("enableProxy"))


def check_fqdns_resolvable(groups: list[dict]) -> None:
    """FQDNs in network rules are matched by the firewall's own DNS answers: refused without DNS proxy."""
    for group in groups:
        for collection in group["properties"].get("ruleCollections") or []:
            for rule in collection.get("rules") or []:
                if rule.get("ruleType") == "NetworkRule" and rule.get("destinationFqdns"):
                    raise catalog_error("firewall_dns_proxy_for_fqdns", rule=rule.get("name"),
                                        collection=collection.get("name"))


def check_policy_group_fqdns(tx, policy: dict, group: dict) -> None:
    """A Basic policy never resolves FQDNs in network rules; another one not without DNS proxy once a
    deployed firewall uses it (as a classic firewall)."""
    tier = policy["properties"]["sku"]["tier"]
    if not TIERS[tier]["network_rule_fqdns"] or (not policy_dns_proxy(policy) and policy_in_use(tx, policy)):
        check_fqdns_resolvable([group])


def firewalls_using(tx, policy: dict) -> list[dict]:
    """The firewalls that take their rules from the policy, deployed or not."""
    return [f for f in tx.list(network_state.FIREWALL_TYPE, network_state.EVERYWHERE)
            if same_id((f["properties"].get("firewallPolicy") or {}).get("id"), policy["id"])]


def child_policies(tx, policy: dict) -> list[dict]:
    """The policies that name this one as their base policy (and inherit its rules)."""
    return [p for p in tx.list(POLICY_TYPE, network_state.EVERYWHERE)
            if same_id((p["properties"].get("basePolicy") or {}).get("id"), policy["id"])]


def policy_in_use(tx, policy: dict) -> bool:
    """Whether a deployed firewall (one with IP configurations) takes its rules from the policy."""
    return any(f["properties"].get("ipConfigurations") for f in firewalls_using(tx, policy))


def check_policy_unused(tx, policy: dict) -> None:
    """A policy is deleted only once no firewall uses it and no policy inherits from it: those go first."""
    firewalls = firewalls_using(tx, policy)
    if firewalls:
        raise catalog_error("firewall_policy_in_use", policy=policy["id"],
                            firewalls=", ".join(f["id"] for f in firewalls))
    children = child_policies(tx, policy)
    if children:
        raise catalog_error("firewall_policy_has_child_policies", policy=policy["id"],
                            children=", ".join(p["id"] for p in children))


# Properties a policy tier below Premium (or Basic) cannot have, with the words Azure names them by.
HIGHER_TIER_PROPERTIES = {
    "Basic": (("dnsSettings", "DNS Proxy and Custom DNS"), ("intrusionDetection", "Intrusion Detection")),
    "Standard": (("intrusionDetection", "Intrusion Detection"),),
}


def check_policy(policy_rid: ResourceId, properties: dict, existing: dict | None) -> None:
    """A policy keeps its tier, and holds only what its tier offers."""
    tier = properties["sku"]["tier"]
    current = ((existing or {}).get("properties") or {}).get("sku", {}).get("tier")
    if current and current != tier:
        raise catalog_error("firewall_policy_sku_change", policy=policy_rid.name, current=current, requested=tier)
    for key, words in HIGHER_TIER_PROPERTIES.get(tier, ()):
        value = properties.get(key)
        if key == "dnsSettings":
            value = value and (value.get("enableProxy") or value.get("servers"))
        if value:
            raise catalog_error("firewall_policy_higher_tier_properties", policy=policy_rid.name, properties=words)
