"""The `az` CLI commands equivalent to each stage, so readers can map the runbook to the docs.

Each stage's commands come in steps (the resource groups, the hub, the spoke, the peering, …),
each step a short block: a comment per command saying why, one option per line with shell line
continuations, and values that need a lookup read once into a variable first (``HUB_ID=$(…)``)
instead of nested in a longer line. The commands follow the parameters' design: Firewall Policy or
classic rules, the Basic tier's management IP, CNI Overlay, API Server VNet Integration, a
network-isolated cluster with its registry cache.
"""
from __future__ import annotations

import html
import shlex
import textwrap
from dataclasses import dataclass, field

from praks_lib.deployment import Deployment
from praks_lib.firewall.model import POLICY_GROUP, POLICY_GROUP_PRIORITY

ONE_LINE = 76  # a command this short stays on one line; a longer one takes an option per line


@dataclass(frozen=True)
class Command:
    """One `az` command: why (the comment), the command words, its options; optionally into a variable."""

    why: str
    words: str
    options: tuple[tuple[str, str | None], ...] = ()
    into: str = ""  # VARIABLE=$(command): the output is read into this shell variable

    def text(self) -> str:
        parts = [self.words] + [f"{flag} {value}" if value is not None else flag for flag, value in self.options]
        opening, closing = (f"{self.into}=$(", ")") if self.into else ("", "")
        one_line = opening + " ".join(parts) + closing
        body = one_line if len(one_line) <= ONE_LINE else opening + " \\\n    ".join(parts) + closing
        comment = "\n".join(f"# {line}" for line in textwrap.wrap(self.why, ONE_LINE - 2))
        return f"{comment}\n{body}"


@dataclass(frozen=True)
class Step:
    title: str
    commands: list[Command] = field(default_factory=list)
    folded: bool = False  # one command per firewall rule: shown behind its title, opened on demand


class Steps(list):
    """A stage's steps; shown in a notebook as one short bash block per step."""

    def _repr_markdown_(self) -> str:
        return as_text(self)

    def __repr__(self) -> str:
        return "\n\n".join(f"## {s.title}\n" + "\n\n".join(c.text() for c in s.commands) for s in self)


def as_text(steps: list[Step]) -> str:
    """Markdown: a bold title and a bash block per step; a long step folded behind its title."""
    blocks = []
    for number, step in enumerate(steps, 1):
        code = "```bash\n" + "\n\n".join(c.text() for c in step.commands) + "\n```"
        title = f"{number} · {step.title}"
        if step.folded:
            blocks.append(f"<details><summary><b>{html.escape(title, quote=False)}</b> ({len(step.commands)} "
                          f"commands: open to read them)</summary>\n\n{code}\n\n</details>")
        else:
            blocks.append(f"**{title}**\n\n{code}")
    return "\n\n".join(blocks)


def _q(value: str) -> str:
    """A value as the shell needs it (quoted when it holds *, spaces or quotes)."""
    return shlex.quote(value) if any(c in value for c in " *'\"$;&|") else value


def _many(values) -> str:
    return " ".join(_q(v) for v in values)


def _tags(dep: Deployment) -> str:
    return " ".join(f"{k}={v}" for k, v in dep.tags.items())


def _id_of(variable: str, why: str, words: str, *options: tuple[str, str]) -> Command:
    return Command(why, words, (*options, ("--query", "id"), ("--output", "tsv")), into=variable)


# --- 01_network --------------------------------------------------------------------------------------

def network_commands(dep: Deployment) -> Steps:
    rg, hub, spoke, tags = dep.resource_groups, dep.network.hub, dep.network.spoke, _tags(dep)
    roles = {"firewall_subnet": "Azure Firewall deploys only into a subnet of exactly this name",
             "jumpbox_subnet": "the jumpbox's subnet (no public IP)",
             "firewall_management_subnet": "the Basic tier's management traffic goes through this subnet",
             "ingress_subnet": "for internal load balancers and ingress",
             "aks_subnet": "the cluster's nodes (and, with flat Azure CNI, its pods)",
             "apiserver_subnet": "API Server VNet Integration: the API server's address, delegated to AKS"}

    def vnet_step(title: str, vnet, why: str) -> Step:
        commands = [Command(why, "az network vnet create", (
            ("--resource-group", rg.network), ("--name", vnet.name), ("--address-prefixes", vnet.address_space),
            ("--tags", tags)))]
        for key, subnet in vnet.subnet_fields():
            options = [("--resource-group", rg.network), ("--vnet-name", vnet.name), ("--name", subnet.name),
                       ("--address-prefixes", subnet.prefix)]
            if key == "apiserver_subnet":
                options.append(("--delegations", "Microsoft.ContainerService/managedClusters"))
            commands.append(Command(roles.get(key, subnet.name), "az network vnet subnet create", tuple(options)))
        return Step(title, commands)

    peerings = [Command(f"{local.name} → {remote.name}; forwarded traffic allowed: the firewall forwards the "
                        "spoke's packets", "az network vnet peering create", (
                            ("--resource-group", rg.network), ("--name", name), ("--vnet-name", local.name),
                            ("--remote-vnet", remote.name), ("--allow-vnet-access", None),
                            ("--allow-forwarded-traffic", None)))
                for local, remote, name in ((hub, spoke, dep.network.hub_to_spoke_peering),
                                            (spoke, hub, dep.network.spoke_to_hub_peering))]
    return Steps([
        Step("The resource groups", [
            Command("the networks' group: VNets, firewall, route table, jumpbox", "az group create",
                    (("--name", rg.network), ("--location", dep.location), ("--tags", tags))),
            Command("the cluster's group (AKS adds its own node group MC_…)", "az group create",
                    (("--name", rg.kube), ("--location", dep.location), ("--tags", tags)))]),
        vnet_step("The hub VNet and its subnets", hub, "the hub: the firewall and the jumpbox live here"),
        vnet_step("The spoke VNet and its subnets", spoke, "the spoke: the cluster lives here"),
        Step("Peering, both ways", peerings),
    ])


# --- 02_firewall -------------------------------------------------------------------------------------

def _rule_options(rule) -> list[tuple[str, str | None]]:
    if rule.rule_type == "ApplicationRule":
        targets = (("--target-fqdns", _many(rule.target_fqdns)) if rule.target_fqdns
                   else ("--fqdn-tags", _many(rule.fqdn_tags)))
        return [("--source-addresses", _many(rule.source_addresses)),
                ("--protocols", " ".join(f"{p.protocol_type}={p.port}" for p in rule.protocols)), targets]
    destination = (("--destination-fqdns", _many(rule.destination_fqdns)) if rule.destination_fqdns
                   else ("--destination-addresses", _many(rule.destination_addresses)))
    return [("--source-addresses", _many(rule.source_addresses)), destination,
            ("--destination-ports", _many(rule.destination_ports))]


def _classic_rule_commands(dep: Deployment, rules) -> list[Command]:
    rg, fw = dep.resource_groups.network, dep.firewall
    commands = []
    for kind, collections in (("network", rules.network_rule_collections),
                              ("application", rules.application_rule_collections)):
        for collection in collections:
            for index, rule in enumerate(collection.rules):
                first = [("--priority", str(collection.priority)), ("--action", collection.action)] if index == 0 else []
                protocols = [("--protocols", " ".join(rule.protocols))] if kind == "network" else []
                why = (f"{collection.name}: {collection.action.lower()} ({kind} rule {rule.name})"
                       + (f": {rule.description}" if getattr(rule, "description", None) else ""))
                commands.append(Command(why.split("\n")[0], f"az network firewall {kind}-rule create", (
                    ("--resource-group", rg), ("--firewall-name", fw.name), ("--collection-name", collection.name),
                    ("--name", rule.name), *first, *protocols, *_rule_options(rule))))
    return commands


def _policy_rule_commands(dep: Deployment, rules) -> list[Command]:
    rg, fw = dep.resource_groups.network, dep.firewall
    target = (("--resource-group", rg), ("--policy-name", fw.policy_name), ("--rule-collection-group-name",
                                                                            POLICY_GROUP))
    commands = [Command("a rule collection group holds the collections", "az network firewall policy "
                        "rule-collection-group create", (("--resource-group", rg), ("--policy-name", fw.policy_name),
                                                         ("--name", POLICY_GROUP), ("--priority", str(POLICY_GROUP_PRIORITY))))]
    for kind, collections in (("NetworkRule", rules.network_rule_collections),
                              ("ApplicationRule", rules.application_rule_collections)):
        for collection in collections:
            for index, rule in enumerate(collection.rules):
                protocols = [("--ip-protocols", " ".join(rule.protocols))] if kind == "NetworkRule" else []
                if index == 0:
                    commands.append(Command(
                        f"collection {collection.name} ({collection.action.lower()}, priority {collection.priority}) "
                        f"with its first rule, {rule.name}",
                        "az network firewall policy rule-collection-group collection add-filter-collection", (
                            *target, ("--name", collection.name), ("--collection-priority", str(collection.priority)),
                            ("--action", collection.action), ("--rule-name", rule.name), ("--rule-type", kind),
                            *protocols, *_rule_options(rule))))
                else:
                    commands.append(Command(
                        f"rule {rule.name} in {collection.name}",
                        "az network firewall policy rule-collection-group collection rule add", (
                            *target, ("--collection-name", collection.name), ("--name", rule.name),
                            ("--rule-type", kind), *protocols, *_rule_options(rule))))
    return commands


def firewall_commands(dep: Deployment, rules) -> Steps:
    """Public IP, the rules (a Firewall Policy or classic collections), the firewall, its logs."""
    rg, fw, hub, ws, tags = dep.resource_groups.network, dep.firewall, dep.network.hub, \
        dep.monitoring.firewall_workspace, _tags(dep)
    if not fw.enabled:
        return Steps()
    public_ip = (("--resource-group", rg), ("--sku", "Standard"), ("--allocation-method", "Static"), ("--tags", tags))
    addresses = [Command("the firewall's public IP, the deployment's only one: Standard and static, as Azure "
                         "Firewall requires", "az network public-ip create",
                         (("--name", fw.public_ip_name), *public_ip))]
    basic = fw.sku_tier == "Basic"
    if basic:
        addresses.append(Command("the Basic tier's management IP configuration needs a second public IP",
                                 "az network public-ip create", (("--name", fw.management_public_ip_name),
                                                                 *public_ip)))
    steps = Steps([Step("The public IP", addresses)])
    firewall = [("--resource-group", rg), ("--name", fw.name), ("--location", dep.location), ("--sku", "AZFW_VNet"),
                ("--tier", fw.sku_tier), ("--vnet-name", hub.name), ("--conf-name", fw.name),
                ("--public-ip", fw.public_ip_name)]
    if basic:
        firewall += [("--m-conf-name", f"{fw.name}-management"), ("--m-public-ip", fw.management_public_ip_name)]
    if fw.rules_as == "policy":
        policy = [("--resource-group", rg), ("--name", fw.policy_name), ("--location", dep.location),
                  ("--sku", fw.sku_tier), ("--threat-intel-mode", fw.threat_intel_mode)]
        if fw.dns_proxy:
            policy.append(("--enable-dns-proxy", "true"))
        steps.append(Step("The Firewall Policy", [Command(
            "the policy holds the rules (and DNS proxy): Microsoft's recommended way to manage them",
            "az network firewall policy create", (*policy, ("--tags", tags)))]))
        steps.append(Step(f"The rules of '{fw.rules}', in the policy", _policy_rule_commands(dep, rules), True))
        firewall.append(("--firewall-policy", fw.policy_name))
        creates = "the firewall in AzureFirewallSubnet, its rules from the policy"
    else:
        firewall += [("--threat-intel-mode", fw.threat_intel_mode),
                     ("--enable-dns-proxy", str(fw.dns_proxy).lower())]
        creates = "the firewall in AzureFirewallSubnet; DNS proxy on, so FQDNs in network rules resolve as clients see"
    steps.append(Step("The firewall", [
        Command(creates, "az network firewall create", (*firewall, ("--tags", tags))),
        Command("its private IP, read from the firewall: the next hop of the default route", "az network firewall "
                "show", (("--resource-group", rg), ("--name", fw.name),
                         ("--query", "'ipConfigurations[0].privateIPAddress'"), ("--output", "tsv")),
                into="FW_PRIVATE_IP")]))
    if fw.rules_as != "policy":
        steps.append(Step(f"The rules of '{fw.rules}', on the firewall", _classic_rule_commands(dep, rules), True))
    diagnostics = [("--name", "praks-firewall-logs"), ("--resource", "$FIREWALL_ID"), ("--workspace", "$WORKSPACE_ID")]
    if dep.monitoring.destination_type == "Dedicated":
        diagnostics.append(("--export-to-resource-specific", "true"))
    diagnostics.append(("--logs", "'[{\"categoryGroup\": \"allLogs\", \"enabled\": true}]'"))
    steps.append(Step("The firewall's logs, to Log Analytics", [
        Command("the workspace the firewall logs to", "az monitor log-analytics workspace create", (
            ("--resource-group", ws.group), ("--workspace-name", ws.name), ("--location", dep.location),
            ("--retention-time", str(dep.monitoring.retention_days)), ("--tags", tags))),
        _id_of("FIREWALL_ID", "the firewall's id", "az network firewall show", ("--resource-group", rg),
               ("--name", fw.name)),
        _id_of("WORKSPACE_ID", "the workspace's id", "az monitor log-analytics workspace show",
               ("--resource-group", ws.group), ("--workspace-name", ws.name)),
        Command("every log category, into the resource-specific AZFW* tables the validation queries",
                "az monitor diagnostic-settings create", tuple(diagnostics))]))
    return steps


# --- 03_egress_route ---------------------------------------------------------------------------------

def route_commands(dep: Deployment, firewall_private_ip: str | None) -> Steps:
    rg, route, spoke = dep.resource_groups.network, dep.route, dep.network.spoke
    if not dep.firewall.enabled:
        return Steps()
    hop = [("--next-hop-ip-address", firewall_private_ip)] if route.next_hop_type == "VirtualAppliance" else []
    return Steps([Step("The route table and the forced tunnel", [
        Command("a route table; no BGP routes, so nothing overrides the forced tunnel", "az network route-table create",
                (("--resource-group", rg), ("--name", route.table_name), ("--disable-bgp-route-propagation", "true"),
                 ("--tags", _tags(dep)))),
        Command(f"{route.address_prefix} → the firewall's private IP: every internet-bound packet goes to it",
                "az network route-table route create", (
                    ("--resource-group", rg), ("--route-table-name", route.table_name), ("--name", route.route_name),
                    ("--address-prefix", route.address_prefix), ("--next-hop-type", route.next_hop_type), *hop)),
        Command("the AKS subnet takes the route table", "az network vnet subnet update", (
            ("--resource-group", rg), ("--vnet-name", spoke.name), ("--name", spoke.aks_subnet.name),
            ("--route-table", route.table_name)))])])


# --- 04_private_aks ----------------------------------------------------------------------------------

def cluster_commands(dep: Deployment) -> Steps:
    """Identity, least-privilege roles, the registry cache (network-isolated), the private cluster."""
    aks, rg, net_rg, spoke = dep.aks, dep.resource_groups.kube, dep.resource_groups.network, dep.network.spoke
    tags = _tags(dep)
    subnet_id = _id_of("AKS_SUBNET_ID", "the AKS subnet's id", "az network vnet subnet show",
                       ("--resource-group", net_rg), ("--vnet-name", spoke.name), ("--name", spoke.aks_subnet.name))
    roles = [subnet_id]
    scopes = [("$AKS_SUBNET_ID", f"the AKS subnet {spoke.aks_subnet.name}")]
    if aks.outbound_type == "userDefinedRouting":
        roles.append(_id_of("ROUTE_TABLE_ID", "the route table's id", "az network route-table show",
                            ("--resource-group", net_rg), ("--name", dep.route.table_name)))
        scopes.append(("$ROUTE_TABLE_ID", f"the route table {dep.route.table_name}"))
    if aks.api_server == "vnet_integration" and spoke.apiserver_subnet is not None:
        roles.append(_id_of("APISERVER_SUBNET_ID", "the API server subnet's id", "az network vnet subnet show",
                            ("--resource-group", net_rg), ("--vnet-name", spoke.name),
                            ("--name", spoke.apiserver_subnet.name)))
        scopes.append(("$APISERVER_SUBNET_ID", f"the API server subnet {spoke.apiserver_subnet.name}"))
    identity = [
        Command("the control plane's identity", "az identity create",
                (("--resource-group", rg), ("--name", aks.identity.name), ("--tags", tags))),
        Command("its principal, for the role assignments", "az identity show", (
            ("--resource-group", rg), ("--name", aks.identity.name), ("--query", "principalId"),
            ("--output", "tsv")), into="PRINCIPAL_ID"),
        *roles,
        *[Command(f"Network Contributor on {what} only, not on the whole group", "az role assignment create", (
            ("--role", "'Network Contributor'"), ("--assignee-object-id", "$PRINCIPAL_ID"),
            ("--assignee-principal-type", "ServicePrincipal"), ("--scope", scope))) for scope, what in scopes],
    ]
    steps = Steps([Step("The identity and its least-privilege roles", identity)])
    create = [("--resource-group", rg), ("--name", aks.name), ("--location", dep.location)]
    if aks.kubernetes_version:
        create.append(("--kubernetes-version", aks.kubernetes_version))
    create += [("--dns-name-prefix", aks.dns_prefix), ("--node-count", str(aks.node_pool.count)),
               ("--node-vm-size", aks.node_pool.vm_size), ("--nodepool-name", aks.node_pool.name),
               ("--vnet-subnet-id", "$AKS_SUBNET_ID"), ("--network-plugin", aks.network_plugin)]
    if aks.network_plugin_mode:
        create += [("--network-plugin-mode", aks.network_plugin_mode), ("--pod-cidr", aks.pod_cidr)]
    create += [("--service-cidr", aks.service_cidr), ("--dns-service-ip", aks.dns_service_ip),
               ("--outbound-type", aks.outbound_type), ("--load-balancer-sku", aks.load_balancer_sku)]
    if aks.private_cluster:
        create += [("--enable-private-cluster", None), ("--disable-public-fqdn", None)]
    if aks.api_server == "vnet_integration":
        create += [("--enable-apiserver-vnet-integration", None), ("--apiserver-subnet-id", "$APISERVER_SUBNET_ID")]
    if aks.bootstrap_artifact_source == "Cache":
        create += [("--bootstrap-artifact-source", "Cache"), ("--bootstrap-container-registry-resource-id",
                                                             "$REGISTRY_ID")]
        steps.append(Step("The private registry cache the nodes bootstrap from", [
            Command("a Premium registry without public access: the only place the nodes pull from", "az acr create", (
                ("--resource-group", rg), ("--name", aks.registry_name), ("--sku", "Premium"),
                ("--public-network-enabled", "false"), ("--tags", tags))),
            Command("a cache rule: the registry pulls what AKS needs from mcr.microsoft.com on the nodes' behalf",
                    "az acr cache create", (("--resource-group", rg), ("--registry", aks.registry_name),
                                            ("--name", "aks-managed-mcr"), ("--source-repo", "'mcr.microsoft.com/*'"),
                                            ("--target-repo", "'aks-managed-repository/*'"))),
            _id_of("REGISTRY_ID", "the registry's id", "az acr show", ("--resource-group", rg),
                   ("--name", aks.registry_name)),
            Command("its private endpoint in the AKS subnet", "az network private-endpoint create", (
                ("--resource-group", net_rg), ("--name", f"{aks.registry_name}-endpoint"),
                ("--vnet-name", spoke.name), ("--subnet", spoke.aks_subnet.name),
                ("--private-connection-resource-id", "$REGISTRY_ID"), ("--group-id", "registry"),
                ("--connection-name", aks.registry_name))),
        ]))
    create += [("--assign-identity", "$IDENTITY_ID"), ("--node-resource-group", dep.node_resource_group),
               ("--tags", tags)]
    steps.append(Step("The private cluster", [
        _id_of("IDENTITY_ID", "the identity's id", "az identity show", ("--resource-group", rg),
               ("--name", aks.identity.name)),
        Command("the cluster: private API server, egress " + ("nowhere (network-isolated)" if aks.outbound_type == "none"
                                                             else f"by {aks.outbound_type}"), "az aks create",
                tuple(create)),
        Command("kubectl inside the cluster, through Azure (nothing outside the VNet reaches the API server)",
                "az aks command invoke", (("--resource-group", rg), ("--name", aks.name),
                                          ("--command", "'kubectl get pods -n kube-system'")))]))
    return steps


# --- 05_private_access -------------------------------------------------------------------------------

def access_commands(dep: Deployment) -> Steps:
    hub, node_rg, rg = dep.network.hub, dep.node_resource_group, dep.resource_groups.network
    return Steps([Step("Link the cluster's private DNS zone to the hub", [
        Command("the zone AKS made for the API server's private name", "az network private-dns zone list", (
            ("--resource-group", node_rg), ("--query", "'[0].name'"), ("--output", "tsv")), into="DNS_ZONE_NAME"),
        _id_of("HUB_VNET_ID", "the hub's id", "az network vnet show", ("--resource-group", rg), ("--name", hub.name)),
        Command("the link: VMs in the hub now resolve the API server's name", "az network private-dns link vnet "
                "create", (("--resource-group", node_rg), ("--name", "hubnetdnsconfig"),
                           ("--zone-name", "$DNS_ZONE_NAME"), ("--virtual-network", "$HUB_VNET_ID"),
                           ("--registration-enabled", "false"))),
        Command("ask the jumpbox, through Azure's run command", "az vm run-command invoke", (
            ("--resource-group", rg), ("--name", dep.jumpbox.name), ("--command-id", "RunShellScript"),
            ("--scripts", "'nslookup <private FQDN>'")))])])


# --- 06_monitoring -----------------------------------------------------------------------------------

def monitoring_commands(dep: Deployment) -> Steps:
    ws, aks = dep.monitoring.cluster_workspace, dep.aks
    return Steps([Step("Container insights", [
        Command("the cluster's workspace", "az monitor log-analytics workspace create", (
            ("--resource-group", ws.group), ("--workspace-name", ws.name), ("--location", dep.location),
            ("--tags", _tags(dep)))),
        _id_of("WORKSPACE_ID", "its id", "az monitor log-analytics workspace show", ("--resource-group", ws.group),
               ("--workspace-name", ws.name)),
        Command(f"the add-on; it also creates the data collection rule MSCI-<region>-{aks.name} and its association "
                "ContainerInsightsExtension (without which the agents send nothing)", "az aks enable-addons", (
                    ("--resource-group", dep.resource_groups.kube), ("--name", aks.name), ("--addons", "monitoring"),
                    ("--workspace-resource-id", "$WORKSPACE_ID")))])])
