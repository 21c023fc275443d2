"""The emulator's data plane: where one connection from a VM or pod goes, what the client sees, and
what the firewall logs.

    outcome = send(emu, "10.2.1.4", "batman.com", 80, "HTTP")
    outcome.action      # Allow | Deny | Dropped | Direct
    outcome.status, outcome.body, outcome.error   # what curl would show

The path follows Azure: the source subnet is the one holding the source IP; its effective routes
(VNet, Connected peerings, its route table) pick the next hop for the destination (an FQDN is
resolved offline first, as the client's resolver would):

- ``VnetLocal`` / ``VNetPeering``: delivered inside Azure, no firewall, nothing logged;
- ``VirtualAppliance`` at an Azure Firewall's private IP: judged by :mod:`praks_lib.firewall`
  (classic rules on the firewall, or its Firewall Policy), logged to every workspace its
  diagnostic settings name, then delivered or refused;
- ``VirtualAppliance`` at an address no firewall holds, or ``None``: dropped (the client times out);
- ``Internet``: leaves Azure directly, bypassing the firewall (``Direct``): the hole a forced
  tunnel through the firewall must close, which validation has to catch — unless the subnet is
  private (``defaultOutboundAccess: false``, no NAT gateway): then nothing leaves (``Dropped``),
  what a network-isolated cluster relies on.

Logged rows follow the diagnostic settings (see ``providers/insights/diagnostic_settings.py``): a legacy category
(AzureFirewallApplicationRule, AzureFirewallNetworkRule) writes an ``AzureDiagnostics`` row with the
log line in ``msg_s``; a structured category (AZFWApplicationRule, AZFWNetworkRule, AZFWNatRule)
writes its resource-specific table when the setting's destination type is ``Dedicated``, else an
``AzureDiagnostics`` row of that category (its per-field ``*_s`` columns are not modelled).
``categoryGroup: allLogs`` enables both kinds, so Dedicated + allLogs writes both, as on Azure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from praks_lib.azure.ids import ResourceId
from praks_lib.azure.routing import EffectiveRoute, next_hop
from praks_lib.emulator.platform.store import Transaction
from praks_lib.emulator.providers.insights.diagnostic_settings import LogDestination, log_destinations
from praks_lib.emulator.providers.operationalinsights import pending_logs
from praks_lib.emulator.world import azure_dns, network_state
from praks_lib.firewall import Flow, RuleSet, Verdict, evaluate, log_rows, resolve
from praks_lib.firewall.addresses import is_ipv4
from praks_lib.firewall.public_dns import firewall_destination

POLICY_GROUP_TYPE = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"

ALLOW, DENY, DROPPED, DIRECT = "Allow", "Deny", "Dropped", "Direct"
TIMEOUT = "timeout"
TLS_HANDSHAKE_FAILURE = "tls handshake failure"

ALLOWED_PAGE = "<html><body><h1>{host}</h1><p>Hello from {host}.</p></body></html>"
# What a client prints when nothing answers, or when the firewall resets a denied TLS handshake.
CLIENT_ERRORS = {
    TIMEOUT: "Connection to {host} port {port} timed out",
    TLS_HANDSHAKE_FAILURE: "TLS handshake with {host}:{port} failed: connection reset by peer",
}
NO_SOURCE_SUBNET = (
    "No subnet holds source IP {ip}: give the private IP of a VM, node or pod in an emulated subnet."
)

# verdict.log_type -> (structured category and table, legacy category)
CATEGORIES = {
    "Application": ("AZFWApplicationRule", "AzureFirewallApplicationRule"),
    "Network": ("AZFWNetworkRule", "AzureFirewallNetworkRule"),
    "Nat": ("AZFWNatRule", "AzureFirewallNetworkRule"),
}
LEGACY_TABLE = "AzureDiagnostics"


class DataPlaneError(ValueError):
    """A flow the data plane cannot place (its source is in no subnet)."""


@dataclass(frozen=True)
class LoggedRow:
    """One row the firewall wrote: workspace customerId, table, the row as appended."""

    workspace: str
    table: str
    row: dict[str, Any]


@dataclass
class Outcome:
    """What happened to one connection and what the client saw."""

    action: str                      # Allow | Deny | Dropped | Direct
    path: list[str]                  # hops, source subnet first
    verdict: Verdict | None          # the firewall's, when the flow went through one
    status: int | None = None        # HTTP status the client got (HTTP/HTTPS only)
    body: str = ""                   # what the client prints: page, deny text or error text
    error: str | None = None         # "timeout" | "tls handshake failure" | None
    destination_ip: str = ""
    route: EffectiveRoute | None = None
    rows: list[LoggedRow] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        """The destination answered (through the firewall or around it)."""
        return self.action in (ALLOW, DIRECT)


def send(tx_or_emulator: Any, source_ip: str, destination: str, port: int, protocol: str, *,
         sni: bool | None = None, time: datetime | None = None) -> Outcome:
    """Route one connection from ``source_ip`` to ``destination`` (FQDN or IP) and return its
    :class:`Outcome`; firewall log rows are appended to the workspaces its diagnostic settings
    name, written when the transaction ends (:func:`~praks_lib.emulator.providers.operationalinsights.pending_logs`).
    ``tx_or_emulator``: an open store transaction, or an Emulator (then the cloud is read in a
    transaction of its own)."""
    if isinstance(tx_or_emulator, Transaction):
        return _send(tx_or_emulator, source_ip, destination, port, protocol, sni, _utc(time))
    with tx_or_emulator.store.transaction() as tx:
        return _send(tx, source_ip, destination, port, protocol, sni, _utc(time))


def _send(tx: Transaction, source_ip: str, destination: str, port: int, protocol: str, sni: bool | None,
          moment: datetime) -> Outcome:
    outcome, rows = _route(tx, _flow(tx, source_ip, destination, port, protocol, sni), moment)
    logs = pending_logs(tx)
    for logged in rows:
        logs.append(logged.workspace, logged.table, [logged.row])
    outcome.rows = rows
    return outcome


def _flow(tx: Transaction, source_ip: str, destination: str, port: int, protocol: str, sni: bool | None) -> Flow:
    """The flow as the firewall sees it: a name is resolved as the client resolves it (its virtual
    network's DNS: the firewall's DNS proxy, or Azure DNS), and the firewall sees the name only when
    the client got the firewall's own answer; else the address it connects to."""
    if not is_ipv4(destination):
        sni = True if sni is None else sni  # a client names the host it asked for, whatever address it got
        subnet = network_state.subnet_of(tx, source_ip)
        answer = azure_dns.resolve(tx, destination, subnet["id"]) if subnet else None
        if answer:
            destination = firewall_destination(destination, answer[0])
    return Flow(source=source_ip, destination=destination, port=port, protocol=protocol, sni=sni)


def _route(tx: Transaction, flow: Flow, moment: datetime) -> tuple[Outcome, list[LoggedRow]]:
    subnet = network_state.subnet_of(tx, flow.source)
    if subnet is None:
        raise DataPlaneError(NO_SOURCE_SUBNET.format(ip=flow.source))
    destination_ip = flow.destination if is_ipv4(flow.destination) else resolve(flow.destination)[0]
    route = next_hop(network_state.subnet_effective_routes(tx, subnet["id"]), destination_ip)
    path = [f"{flow.source} in subnet {_subnet_label(subnet)}",
            f"route {route.address_prefix} -> {route.next_hop_type}"
            + (f" {route.next_hop_ip}" if route.next_hop_ip else "")]
    outcome = Outcome(DROPPED, path, None, destination_ip=destination_ip, route=route)
    if route.next_hop_type in ("VnetLocal", "VNetPeering"):
        path.append(f"delivered to {destination_ip} inside Azure")
        return _answered(outcome, ALLOW, flow), []
    if route.next_hop_type == "Internet":
        if _private_subnet(subnet):
            path.append("dropped: a private subnet (defaultOutboundAccess false) with no NAT gateway has no "
                        "way to the internet")
            return _refused(outcome, flow), []
        path.append(f"left Azure directly to {destination_ip} (not through the firewall)")
        return _answered(outcome, DIRECT, flow), []
    firewall = (network_state.firewall_by_private_ip(tx, route.next_hop_ip)
                if route.next_hop_type == "VirtualAppliance" else None)
    if firewall is None:
        path.append("dropped: no appliance answers at that next hop"
                    if route.next_hop_type == "VirtualAppliance" else "dropped by the route")
        return _refused(outcome, flow), []
    verdict = evaluate(_rules_of(tx, firewall), flow)
    outcome.verdict = verdict
    path.append(f"firewall {firewall['name']}: {verdict.action} ({verdict.reason})")
    pending = _rows_for(log_destinations(tx, firewall["id"]), verdict, flow, firewall["id"], moment)
    if verdict.allowed:
        path.append(f"delivered to {destination_ip}")
        return _answered(outcome, ALLOW, flow), pending
    outcome.action = DENY
    return _refused(outcome, flow), pending


def _private_subnet(subnet: dict) -> bool:
    """A subnet whose machines get no default outbound access and have no explicit way out: Azure
    gives them no public address, so internet-bound packets go nowhere."""
    properties = subnet["properties"]
    return properties.get("defaultOutboundAccess") is False and not properties.get("natGateway")


def _answered(outcome: Outcome, action: str, flow: Flow) -> Outcome:
    outcome.action = action
    if flow.protocol in ("HTTP", "HTTPS"):
        outcome.status = 200
        outcome.body = ALLOWED_PAGE.format(host=flow.destination)
    return outcome


def _refused(outcome: Outcome, flow: Flow) -> Outcome:
    """Denied or dropped: a 470 page for denied plain HTTP, a reset TLS handshake for denied HTTPS,
    silence (a timeout) for everything else."""
    denied_page = outcome.verdict.http_response if outcome.verdict else None
    if denied_page:
        outcome.status, outcome.body = denied_page["status"], denied_page["body"]
        return outcome
    denied_tls = outcome.action == DENY and flow.protocol == "HTTPS"
    outcome.error = TLS_HANDSHAKE_FAILURE if denied_tls else TIMEOUT
    outcome.body = CLIENT_ERRORS[outcome.error].format(host=flow.destination, port=flow.port)
    return outcome


def _rules_of(tx: Transaction, firewall: dict) -> RuleSet:
    """What the engine evaluates: the firewall's classic rules, or its Firewall Policy's groups."""
    policy_id = (firewall["properties"].get("firewallPolicy") or {}).get("id")
    policy = tx.get(policy_id) if policy_id else None
    groups = tx.children(policy["id"], POLICY_GROUP_TYPE) if policy is not None else []
    return _rule_set(json.dumps([firewall, policy, groups], sort_keys=True))


@lru_cache(maxsize=16)
def _rule_set(bodies: str) -> RuleSet:
    """The rule set these stored bodies hold, read once per content: a request sends many flows (a
    cluster's bootstrap some twenty), and each would otherwise rebuild the SDK models and recompile."""
    from azure.mgmt.network.models import AzureFirewall, FirewallPolicyRuleCollectionGroup  # ~0.2 s: on first use

    firewall, policy, groups = json.loads(bodies)
    if policy is None:
        return RuleSet.from_sdk(AzureFirewall(firewall))
    dns = policy.get("properties", {}).get("dnsSettings") or {}
    return RuleSet.from_sdk([FirewallPolicyRuleCollectionGroup(g) for g in groups], policy=policy["name"],
                            dns_proxy=bool(dns.get("enableProxy")),
                            threat_intel_mode=policy["properties"].get("threatIntelMode", "Alert"))


def _rows_for(destinations: list[LogDestination], verdict: Verdict, flow: Flow, firewall_id: str,
              moment: datetime) -> list[LoggedRow]:
    structured, legacy = CATEGORIES[verdict.log_type]
    rows = log_rows(verdict, flow, firewall_id, moment)
    written = []
    for destination in destinations:
        if legacy in destination.categories:
            written.append(LoggedRow(destination.customer_id, LEGACY_TABLE, rows[LEGACY_TABLE]))
        if structured in destination.categories:
            if destination.dedicated:
                written.append(LoggedRow(destination.customer_id, structured, rows[structured]))
            else:
                row = dict(rows[LEGACY_TABLE], Category=structured, OperationName=structured,
                           msg_s=None)
                written.append(LoggedRow(destination.customer_id, LEGACY_TABLE, row))
    return written


def _subnet_label(subnet: dict) -> str:
    rid = ResourceId.parse(subnet["id"])
    return f"{rid.names[0]}/{rid.name}"


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

