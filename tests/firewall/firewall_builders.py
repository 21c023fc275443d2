
from praks_lib.firewall import RuleSet

SUBNET = "10.0.5.0/24"


def net(name, priority, action, *rules):
    return {"name": name, "priority": priority, "action": action, "rules": list(rules)}


def net_rule(name, destinations=("*",), ports=("*",), protocols=("TCP",), sources=("*",), fqdns=()):
    rule = {"name": name, "source_addresses": list(sources), "destination_ports": list(ports),
            "protocols": list(protocols)}
    if destinations:
        rule["destination_addresses"] = list(destinations)
    if fqdns:
        rule["destination_fqdns"] = list(fqdns)
    return rule


def app_rule(name, fqdns=(), protocols=("Https:443",), sources=("*",), tags=()):
    rule = {"name": name, "source_addresses": list(sources), "protocols": list(protocols)}
    if fqdns:
        rule["target_fqdns"] = list(fqdns)
    if tags:
        rule["fqdn_tags"] = list(tags)
    return rule


def rule_set(network=(), application=(), nat=(), **settings):
    return RuleSet.from_dict({"network_rule_collections": list(network),
                              "application_rule_collections": list(application),
                              "nat_rule_collections": list(nat), **settings})




def shipped_rule_set(name: str):
    """A rule set shipped in parameters/firewall/, filled with the default deployment's address plan."""
    from praks_lib.deployment import Deployment

    return Deployment(firewall={"rules": name}).rule_set()
