"""Prove the lockdown with evidence: each check returns tidy rows a reviewer can verify.

Every row: check, target, expected, observed, evidence (what was read: pod JSON, a log row, a route),
result (PASS/FAIL) and, for a FAIL, the hint naming the stage and parameter to fix. Nothing here
knows which backend it talks to; offline the same calls reach the emulator.
"""
from __future__ import annotations

import ipaddress
import re
import secrets
import shlex
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import pandas as pd

from praks_lib import queries
from praks_lib.azure import facts
from praks_lib.azure.ids import name_of, state_text
from praks_lib.azure.routing import next_hop
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import read_or_none
from praks_lib.deploy.firewall import firewall_private_ip
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import required_flows
from praks_lib.runcommand import kubectl, kubectl_json, on_vm
from praks_lib.stages.route import subnet_effective_routes

TEST_POD = "praks-egress-test"
_AKS = facts.load("aks")
OVERLAY_EGRESS_SOURCE = _AKS["network_profile"]["overlay_egress_source"]
CLOCK_SLACK = timedelta(minutes=1)
PASS, FAIL = "PASS", "FAIL"


@dataclass(frozen=True)
class CheckRow:
    check: str
    target: str
    expected: str
    observed: str
    evidence: str
    result: str
    hint: str = ""


def _row(check, target, expected, observed, evidence, ok, hint) -> CheckRow:
    return CheckRow(check, target, expected, observed, evidence, PASS if ok else FAIL, "" if ok else hint)


# --- system pods -----------------------------------------------------------------------------------

def check_system_pods(clients: Clients, dep: Deployment) -> list[CheckRow]:
    """Every kube-system pod Running with all containers ready, from `kubectl get pods -o json`."""
    hint = "04_private_aks: the cluster's nodes cannot run system pods (check its egress: firewall.rules)"
    pods = kubectl_json(clients, dep, "kubectl get pods -n kube-system -o json").get("items", [])
    if not pods:
        return [_row("system pods", "kube-system", "Running", "no pods", "kubectl get pods -n kube-system", False, hint)]
    rows = []
    for pod in pods:
        statuses = pod["status"].get("containerStatuses", [])
        ready = sum(1 for s in statuses if s.get("ready"))
        phase = pod["status"].get("phase", "Unknown")
        ok = phase == "Running" and statuses and ready == len(statuses)
        rows.append(_row("system pods", pod["metadata"]["name"], "Running, all containers ready",
                         f"{phase}, {ready}/{len(statuses)} ready",
                         f"node {pod['spec'].get('nodeName', '?')}, pod IP {pod['status'].get('podIP', '?')}", ok, hint))
    return rows


# --- egress matrix ---------------------------------------------------------------------------------

def egress_targets(dep: Deployment) -> list[tuple[str, str]]:
    """(url, expected action): the parameters' matrix plus the cluster's required web endpoints."""
    targets = [(url, "Allow") for url in dep.validation.allowed_urls]
    targets += [(url, "Deny") for url in dep.validation.denied_urls]
    isolated = dep.aks.outbound_type == "none"  # nothing leaves: the endpoints AKS would use must fail too
    for required in required_flows(dep.cluster_shape):
        flow = required.flow
        # Only endpoints with a concrete name: a wildcard's example name (*.ods…) may not exist on Azure.
        if flow.protocol in ("HTTP", "HTTPS") and "*" not in required.requirement:
            url = f"{flow.protocol.lower()}://{flow.destination}" + ("" if flow.port in (80, 443) else f":{flow.port}")
            if url not in {t for t, _ in targets}:
                targets.append((url, "Deny" if isolated else "Allow"))
    return targets


def _test_pod_manifest(dep: Deployment, name: str) -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    app: {TEST_POD}\n"
            f"spec:\n  containers:\n  - name: test\n    image: {dep.validation.test_pod_image}\n"
            f"    command: [\"sleep\", \"3600\"]\n  restartPolicy: Never\n")


def test_pod_name() -> str:
    """A test pod name of this validation's own: two validations of one cluster never share (or delete) a pod."""
    return f"{TEST_POD}-{secrets.token_hex(4)}"


def start_test_pod(clients: Clients, dep: Deployment, name: str, deadline_seconds: float = 300,
                   poll_seconds: float = 5, echo=print) -> dict:
    """Start the test pod `name` and return its status once it runs (podIP, hostIP).

    Each validation starts its own pod, so its requests (and their log rows) are this run's.
    On Azure it takes a while to pull the image; the wait polls `kubectl get` up to a deadline, saying so.
    """
    applied = kubectl(clients, dep, f"kubectl apply -f {name}.yaml", {f"{name}.yaml": _test_pod_manifest(dep, name)})
    if applied.exit_code != 0:
        raise StageError(f"could not start the test pod: {applied.stdout.strip()} (validation.test_pod_image)")
    started = time.monotonic()
    while True:
        pod = kubectl_json(clients, dep, f"kubectl get pod {name} -o json")
        status = pod.get("status", {})
        if status.get("phase") == "Running" and status.get("podIP"):
            return status
        waited = time.monotonic() - started
        if waited >= deadline_seconds:
            raise StageError(f"the test pod {name} is {status.get('phase', 'missing')} after {deadline_seconds:.0f} s; "
                             f"check that the firewall allows pulling {dep.validation.test_pod_image} "
                             "(validation.test_pod_image, firewall.rules)")
        echo(f"  … test pod {name}: {status.get('phase', 'not found')} after {waited:.0f} s")
        time.sleep(poll_seconds)


# curl prints this after the body: the status and the address it connected to (the log's DestinationIp).
_WRITE_OUT = r"\n%{http_code} %{remote_ip}"
_STATUS_LINE = re.compile(r"^(\d{3})(?: (\d+\.\d+\.\d+\.\d+))? ?", re.M)


def _classify(exit_code: int, output: str, status: str = "") -> tuple[str, str]:
    """What curl saw, as an action: the firewall's deny page, a reset TLS handshake or a timeout is a deny."""
    text = output.strip()
    if "Action: Deny" in text or status == "470":
        return "Deny", "HTTP 470 deny page from the firewall"
    if exit_code in (51, 60):
        return "Allow", "reached the server (its certificate did not verify)"
    if exit_code == 35:
        return "Deny", "TLS handshake reset (the firewall denies HTTPS without a page)"
    if exit_code in (7, 28):
        return "Deny", "connection failed or timed out"
    if exit_code == 6:  # DNS, not the firewall: its DNS proxy answers for any name, allowed or not
        return "Unresolved", "name could not be resolved"
    if exit_code == 0 and status not in ("", "000"):
        return "Allow", f"HTTP {status} from the server"
    return "Error", f"curl exit code {exit_code}"


@dataclass(frozen=True)
class EgressResult:
    url: str
    expected: str
    observed: str
    exit_code: int
    output: str  # the body (or curl's error), without the status line
    status: str = "000"  # HTTP status; 000 when no response came
    remote_ip: str = ""  # the address curl connected to
    sent_at: datetime | None = None  # when the request left: log rows older than this are another run's
    # With CNI Overlay the firewall sees the node's address, and the node's own traffic (its bootstrap)
    # is logged too: the node's latest row before the probe; only later rows can be this request's.
    logged_before: datetime | None = None


def _parse_curl(url: str, expected: str, exit_code: int, stdout: str, sent_at: datetime | None = None,
                logged_before: datetime | None = None) -> EgressResult:
    found = list(_STATUS_LINE.finditer(stdout))
    status, remote_ip = (found[-1].group(1), found[-1].group(2) or "") if found else ("000", "")
    body = (stdout[:found[-1].start()] + stdout[found[-1].end():]) if found else stdout
    body = body.replace("command terminated with exit code", "").strip()
    observed, _ = _classify(exit_code, body, status)
    return EgressResult(url, expected, observed, exit_code, body.strip(), status, remote_ip, sent_at, logged_before)


def overlay_cluster(clients: Clients, dep: Deployment) -> bool:
    """Whether the deployed cluster runs Azure CNI Overlay (read from Azure, not the parameters)."""
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    network = cluster.network_profile
    return network is not None and (state_text(network.network_plugin_mode) or "").lower() == "overlay"


def egress_source(clients: Clients, dep: Deployment, pod_status: dict) -> str:
    """The source address the firewall sees for the test pod's requests: the pod's own VNet address
    with flat Azure CNI; with CNI Overlay its node's, since overlay NATs pod egress to the node IP
    (pod addresses are not routable outside the cluster)."""
    if overlay_cluster(clients, dep) and OVERLAY_EGRESS_SOURCE == "node":
        return pod_status["hostIP"]
    return pod_status["podIP"]


def probe_egress(clients: Clients, dep: Deployment) -> tuple[str, list[EgressResult]]:
    """Curl every target from the test pod; returns the source address the firewall logs for it (see
    egress_source) and what each request saw."""
    name = test_pod_name()
    status = start_test_pod(clients, dep, name)
    pod_ip = egress_source(clients, dep, status)
    logged_before = _latest_log_row(clients, dep, pod_ip) if pod_ip != status["podIP"] else None
    results = []
    try:
        for url, expected in egress_targets(dep):
            sent_at = datetime.now(timezone.utc)
            out = kubectl(clients, dep, f"kubectl exec {name} -- curl -sS -m 10 -w {shlex.quote(_WRITE_OUT)} "
                                        f"{shlex.quote(url)}")
            results.append(_parse_curl(url, expected, out.exit_code, out.stdout, sent_at, logged_before))
    finally:
        kubectl(clients, dep, f"kubectl delete pod {name}")  # its log rows stay; the pod is not needed after
    return pod_ip, results


def _has_firewall(dep: Deployment | None) -> bool:
    return dep is None or dep.firewall.enabled


def check_egress(results: list[EgressResult], dep: Deployment | None = None) -> list[CheckRow]:
    rows = []
    for r in results:
        _, how = _classify(r.exit_code, r.output, r.status)
        if r.observed == "Unresolved":
            hint = ("02_firewall: the pod's DNS gave no answer: re-run 02_firewall, which points the VNets' DNS "
                    "servers at the firewall's DNS proxy (firewall.dns_proxy) or back at Azure DNS")
        elif r.expected == "Allow":
            hint = "02_firewall: add an application rule for this host to the rule set (firewall.rules)"
        elif not _has_firewall(dep):
            hint = ("01_network: the request left the VNet; the AKS subnet must be private (no default outbound "
                    "access, no NAT gateway, no public IP) with aks.outbound_type none")
        else:
            hint = ("02_firewall: a rule allows this host; narrow it in the rule set (firewall.rules), "
                    "and check 03_egress_route sends the AKS subnet through the firewall")
        first_line = r.output.splitlines()[0][:160] if r.output else ""
        rows.append(_row("egress from test pod", r.url, r.expected, f"{r.observed} ({how})",
                         f"curl exit {r.exit_code}, HTTP {r.status}: {first_line}", r.observed == r.expected, hint))
    return rows


# --- firewall log evidence -------------------------------------------------------------------------

def _workspace_customer_id(clients: Clients, dep: Deployment) -> str:
    ws = dep.monitoring.firewall_workspace
    return clients.loganalytics.workspaces.get(ws.group, ws.name).customer_id


def _latest_log_row(clients: Clients, dep: Deployment, source_ip: str) -> datetime | None:
    """When the firewall last logged `source_ip` (None: never, or no firewall workspace to ask)."""
    if not dep.firewall.enabled:
        return None
    customer_id = read_or_none(lambda: _workspace_customer_id(clients, dep))
    if customer_id is None:
        return None
    times = queries.run(clients, customer_id, "requests_from_source", timedelta(days=1),
                        source_ip=source_ip)["TimeGenerated"]
    return times.max() if len(times) else None


def _evidence_for(rows, result: EgressResult):
    """The log row of this request: an application rule row by name, or a network rule row by address.

    A network rule decides before application rules (e.g. AzureMonitor TCP 443), so such a request is
    logged in AZFWNetworkRule with the address curl connected to and no name.
    """
    host, port = urlparse(result.url).hostname, urlparse(result.url).port
    port = port or (443 if result.url.startswith("https") else 80)
    # Only this run's rows (a minute of slack for clocks): an earlier run's rows prove nothing now.
    since = result.sent_at - CLOCK_SLACK if result.sent_at else None
    same_port = [row for row in rows if int(row.get("DestinationPort") or 0) == port
                 and (since is None or row["TimeGenerated"] >= since)
                 and (result.logged_before is None or row["TimeGenerated"] > result.logged_before)]
    by_name = [row for row in same_port if (row.get("Fqdn") or "").lower() == host.lower()]
    by_address = [row for row in same_port if result.remote_ip and row.get("Type") == "AZFWNetworkRule"
                  and row.get("DestinationIp") == result.remote_ip]
    matches = by_name or by_address
    return matches[-1] if matches else None


def logs_expected(clients: Clients, dep: Deployment) -> str | None:
    """Why no firewall log rows can arrive (so waiting is pointless), or None when they should.

    Rows reach the workspace only if the firewall sends its logs there and the traffic passes the
    firewall at all; both are read from the cloud before any waiting starts.
    """
    # Here, not at the top: 05 imports this module for its DNS check and needs none of the monitor
    # SDK's models that deploy.monitoring loads (as deploy.firewall defers them for 03).
    from praks_lib.deploy.monitoring import DIAGNOSTIC_SETTING, workspace_id

    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    settings = read_or_none(lambda: list(clients.monitor.diagnostic_settings.list(firewall.id))) or []
    workspace = workspace_id(clients, dep.monitoring.firewall_workspace).lower()
    if not any((s.workspace_id or "").lower() == workspace and any(log.enabled for log in s.logs or [])
               for s in settings):
        return (f"02_firewall: no diagnostic setting sends the firewall's logs to workspace "
                f"{dep.monitoring.firewall_workspace.name} (ensure_firewall_diagnostics creates "
                f"'{DIAGNOSTIC_SETTING}')")
    if check_routing(clients, dep)[0].result != PASS:
        return "03_egress_route: the AKS subnet's traffic does not pass the firewall, so the firewall logs nothing"
    return None


def check_firewall_logs(clients: Clients, dep: Deployment, pod_ip: str, results: list[EgressResult],
                        deadline_minutes: float | None = None, poll_seconds: float = 30.0, echo=print) -> list[CheckRow]:
    """Each test request must appear in the firewall's log with the expected action and rule.

    Azure ingests firewall logs minutes after the traffic; this polls until every request is found
    or the deadline (validation.log_deadline_minutes) passes, and says that it is waiting. When no
    rows can arrive (no diagnostic setting, traffic not through the firewall) it does not wait.
    """
    if not dep.firewall.enabled:
        return check_no_firewall_logs(clients, dep, pod_ip, results)
    deadline_minutes = dep.validation.log_deadline_minutes if deadline_minutes is None else deadline_minutes
    blocked = logs_expected(clients, dep)
    customer_id = _workspace_customer_id(clients, dep)
    stop = time.monotonic() + (0 if blocked else deadline_minutes * 60)
    while True:
        table = queries.run(clients, customer_id, "requests_from_source", timedelta(days=1), source_ip=pod_ip)
        rows = table.to_dict("records")
        missing = [r for r in results if _evidence_for(rows, r) is None]
        if not missing or time.monotonic() >= stop:
            break
        echo(f"waiting for firewall logs: {len(missing)} of {len(results)} requests not ingested yet "
             f"(Azure delivers them minutes late; deadline {deadline_minutes} min)")
        time.sleep(poll_seconds)
    checks = []
    for r in results:
        row = _evidence_for(rows, r)
        if row is None:
            hint = blocked or ("02_firewall: the request is not in the firewall's log within the deadline "
                               "(validation.log_deadline_minutes); check the diagnostic setting and routing")
            checks.append(_row("firewall log evidence", r.url, r.expected, "no log row", f"source {pod_ip}",
                               False, hint))
            continue
        rule = f"{row['RuleCollection']}/{row['Rule']}" if row.get("Rule") else (row.get("ActionReason") or "default")
        hint = ("02_firewall: the firewall decided otherwise than expected; fix the rule set (firewall.rules) "
                "or the expectation (validation.allowed_urls / denied_urls)")
        checks.append(_row("firewall log evidence", r.url, r.expected, f"{row['Action']} by {rule}",
                           f"{row['Type']}: {row['Protocol']} {row['SourceIp']} → "
                           f"{row.get('Fqdn') or row.get('DestinationIp')}:{row['DestinationPort']} {row['Action']}",
                           row["Action"] == r.expected, hint))
    return checks


def check_no_firewall_logs(clients: Clients, dep: Deployment, pod_ip: str,
                           results: list[EgressResult]) -> list[CheckRow]:
    """A design without firewall: no firewall exists in the subscription, so no firewall log row can exist,
    and each request shows it never left the VNet (it went nowhere: no answer, no address reached)."""
    firewalls = list(clients.network.azure_firewalls.list_all())
    names = ", ".join(f.name for f in firewalls)
    rows = [_row("firewall log evidence", "firewalls in the subscription", "none (no firewall in this design)",
                 names or "none", f"azureFirewalls in subscription {clients.subscription_id}: {len(firewalls)}",
                 not firewalls, "02_firewall: the design has no firewall (firewall.enabled false); delete it")]
    for r in results:
        left = r.observed == "Allow" or r.status not in ("", "000")
        rows.append(_row("firewall log evidence", r.url, "no log row: nothing left the VNet",
                         "answered from outside" if left else "no log row, no answer",
                         f"source {pod_ip}; curl exit {r.exit_code}, HTTP {r.status}; no firewall to log it",
                         not left and not firewalls,
                         "01_network: the request got out; make the AKS subnet private (aks.outbound_type none)"))
    return rows


# --- DNS from the hub ------------------------------------------------------------------------------

def api_server_subnet(clients: Clients, cluster) -> tuple[str, str] | None:
    """(name, prefix) of the subnet a VNet-integrated API server has its address in, as deployed;
    None for a private-link API server."""
    access = cluster.api_server_access_profile
    if access is None or not access.enable_vnet_integration or not access.subnet_id:
        return None
    parts = access.subnet_id.split("/")
    subnet = clients.network.subnets.get(parts[4], parts[8], parts[10])
    return subnet.name, subnet.address_prefix or (subnet.address_prefixes or [""])[0]


def check_dns_from_jumpbox(clients: Clients, dep: Deployment) -> list[CheckRow]:
    """The jumpbox resolves the API server's private FQDN to a private address (hub DNS link in place);
    with API Server VNet Integration, to an address in the API server's delegated subnet."""
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    fqdn = cluster.private_fqdn
    out = on_vm(clients, dep, f"nslookup {fqdn}")
    answers = _nslookup_addresses(out.stdout)
    integrated = api_server_subnet(clients, cluster)
    if integrated:
        name, prefix = integrated
        expected = f"an IP in {name} {prefix}"
        found = [a for a in answers if ipaddress.ip_address(a) in ipaddress.ip_network(prefix)]
    else:
        expected = "a private IP"
        found = [a for a in answers if ipaddress.ip_address(a).is_private]
    hint = "05_private_access: link the cluster's private DNS zone to the hub VNet (ensure_hub_dns_link)"
    return [_row("private DNS from hub", fqdn, expected, ", ".join(answers) or "no answer",
                 " | ".join(line for line in out.stdout.splitlines() if line.strip())[:300], bool(found), hint)]


def _nslookup_addresses(output: str) -> list[str]:
    """The answer addresses (after 'Name:'), not the DNS server's own address."""
    answers, in_answer = [], False
    for line in output.splitlines():
        if line.startswith("Name:"):
            in_answer = True
        elif in_answer and line.startswith("Address:"):
            answers.append(line.split(":", 1)[1].strip())
    return answers


# --- no public name for the API server -------------------------------------------------------------

def check_api_server_not_public(clients: Clients, dep: Deployment) -> list[CheckRow]:
    """A private cluster's API server has no name in public DNS: no ``fqdn`` on the cluster (Azure gives
    one by default, with an A record on the internet) and the public FQDN disabled, as Azure reports it."""
    if not dep.aks.private_cluster:
        return []
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    access = cluster.api_server_access_profile
    public_fqdn = cluster.fqdn or ""
    evidence = (f"fqdn: {public_fqdn or '(none)'}; privateFQDN: {cluster.private_fqdn}; "
                f"enablePrivateClusterPublicFQDN: {access.enable_private_cluster_public_fqdn if access else None}")
    ok = not public_fqdn and bool(access) and access.enable_private_cluster_public_fqdn is False
    return [_row("API server not in public DNS", dep.aks.name, "no public FQDN",
                 public_fqdn or ("public FQDN disabled" if ok else "public FQDN not disabled"), evidence, ok,
                 "04_private_aks: the cluster has a public FQDN (Azure's default for private clusters); re-run 04, "
                 "which sends enablePrivateClusterPublicFQDN: false (az aks update --disable-public-fqdn)")]


# --- no public IPs ---------------------------------------------------------------------------------

def check_public_ips(clients: Clients, dep: Deployment) -> list[CheckRow]:
    """Every public IP and public load-balancer frontend in the deployment's groups: only the firewall's.

    A firewall with a management IP configuration (the Basic tier always) has a second public IP, for
    Azure's management traffic only; it counts as the firewall's, and the row says which one it is."""
    groups = [dep.resource_groups.network, dep.resource_groups.kube, dep.node_resource_group]
    fw = dep.firewall
    firewalls = {}
    if fw.enabled:
        firewalls[fw.public_ip_name.lower()] = "only the firewall's public IP"
        if dep.network.hub.firewall_management_subnet is not None:
            firewalls[fw.management_public_ip_name.lower()] = "only the firewall's management public IP"
    rows = []
    for group in groups:
        ips = read_or_none(lambda: list(clients.network.public_ip_addresses.list(group))) or []
        for ip in ips:
            holder = ip.ip_configuration.id if ip.ip_configuration else ""
            attached = holder.split("/providers/")[-1].rsplit("/", 2)[0] if holder else "nothing"
            # The firewall's address, and attached to the firewall: anything else is a way in or out.
            is_firewalls = (group == dep.resource_groups.network and ip.name.lower() in firewalls
                            and f"/azurefirewalls/{fw.name.lower()}/" in holder.lower())
            expected = firewalls.get(ip.name.lower(), "only the firewall's public IP" if fw.enabled else "no public IP")
            rows.append(_row("no public IPs", f"{group}/{ip.name}", expected,
                             f"{ip.ip_address} attached to {attached}", f"publicIPAddresses in {group}",
                             is_firewalls, "remove this public IP: egress must leave through the firewall only "
                             "(aks.outbound_type: userDefinedRouting; no public IP on nodes or load balancers)"))
        balancers = read_or_none(lambda: list(clients.network.load_balancers.list(group))) or []
        for lb in balancers:
            for frontend in lb.frontend_ip_configurations or []:
                if frontend.public_ip_address is not None:
                    rows.append(_row("no public IPs", f"{group}/{lb.name}/{frontend.name}", "no public frontend",
                                     f"public frontend {name_of(frontend.public_ip_address.id)}",
                                     f"loadBalancers in {group}", False,
                                     "use an internal load balancer (service annotation "
                                     "service.beta.kubernetes.io/azure-load-balancer-internal: \"true\")"))
    if not dep.firewall.enabled:  # nothing may hold a public address: zero is the proof
        if not rows:
            rows.append(_row("no public IPs", ", ".join(groups), "zero public IPs", "0 public IPs, 0 public frontends",
                             f"publicIPAddresses and loadBalancers in {', '.join(groups)}", True, ""))
        return rows
    if not any(r.result == PASS for r in rows):
        rows.append(_row("no public IPs", dep.firewall.public_ip_name, "the firewall's public IP exists", "missing",
                         f"publicIPAddresses in {dep.resource_groups.network}", False, "02_firewall"))
    return rows


# --- routing ---------------------------------------------------------------------------------------

def check_routing(clients: Clients, dep: Deployment) -> list[CheckRow]:
    spoke = dep.network.spoke
    routes = subnet_effective_routes(clients, dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
    hop = next_hop(routes, "0.0.0.0")
    default = [r for r in routes if r.address_prefix == "0.0.0.0/0"]
    if not dep.firewall.enabled:
        return _check_no_way_out(clients, dep, hop, default)
    firewall_ip = firewall_private_ip(clients, dep)
    evidence = "; ".join(f"{r.source} {r.state} 0.0.0.0/0 → {r.next_hop_type} {r.next_hop_ip or ''}".strip()
                         for r in default)
    ok = hop.next_hop_type == "VirtualAppliance" and hop.next_hop_ip == firewall_ip
    return [_row("routing", f"{spoke.aks_subnet.name} 0.0.0.0/0", f"VirtualAppliance {firewall_ip}",
                 f"{hop.next_hop_type} {hop.next_hop_ip or ''}".strip(), evidence, ok,
                 "03_egress_route: associate the route table with the AKS subnet (route.*)")]


# --- the design proved -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Design:
    """The design the checks proved, as deployed: how the API server is private, which CNI, how egress leaves."""

    api_server: str
    cni: str
    outbound_type: str

    @property
    def isolated(self) -> bool:
        """A network-isolated cluster: no egress path at all."""
        return self.outbound_type == "none"

    def __str__(self) -> str:
        egress = {"userDefinedRouting": "egress through the firewall", "none": "no egress (outbound type none)"}.get(
            self.outbound_type, f"outbound type {self.outbound_type}")
        return f"{self.api_server} · {self.cni} · {egress}"


def proven_design(clients: Clients, dep: Deployment) -> Design:
    """The design the checks proved, read from Azure (not from the parameters)."""
    cluster = clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    access, network = cluster.api_server_access_profile, cluster.network_profile
    if not (access and access.enable_private_cluster):
        api = "public API server"
    elif access.enable_vnet_integration:
        api = "private API server (VNet integration)"
    else:
        api = "private API server (private link)"
    plugin = state_text(network.network_plugin) if network else ""
    if plugin == "azure":
        cni = "Azure CNI Overlay" if (state_text(network.network_plugin_mode) or "").lower() == "overlay" \
            else "Azure CNI (flat)"
    else:
        cni = f"network plugin {plugin}"
    return Design(api, cni, state_text(network.outbound_type) if network else "")


def _check_no_way_out(clients: Clients, dep: Deployment, hop, default) -> list[CheckRow]:
    """A network-isolated design: the default route leads to the internet, but the AKS subnet is private
    (no default outbound access, no NAT gateway) and has no route table, so the route goes nowhere."""
    spoke = dep.network.spoke
    subnet = clients.network.subnets.get(dep.resource_groups.network, spoke.name, spoke.aks_subnet.name)
    ways_out = [what for what, present in (("default outbound access", subnet.default_outbound_access is not False),
                                           ("a NAT gateway", subnet.nat_gateway is not None),
                                           ("a route table", subnet.route_table is not None)) if present]
    evidence = "; ".join(f"{r.source} {r.state} 0.0.0.0/0 → {r.next_hop_type}" for r in default)
    evidence += f"; defaultOutboundAccess: {subnet.default_outbound_access}; natGateway: " \
                f"{name_of(subnet.nat_gateway.id) if subnet.nat_gateway else None}"
    return [_row("routing", f"{spoke.aks_subnet.name} 0.0.0.0/0", "no way out (private subnet)",
                 f"{hop.next_hop_type}, " + (", ".join(ways_out) if ways_out else "private subnet: goes nowhere"),
                 evidence, not ways_out,
                 "01_network: make the AKS subnet private (aks.outbound_type none sets defaultOutboundAccess false)")]


# --- all together ----------------------------------------------------------------------------------

def run_checks(clients: Clients, dep: Deployment, echo=print):
    """Every check, in the order a reviewer reads them; returns (table, egress results, pod IP)."""
    rows = check_system_pods(clients, dep)
    pod_ip, results = probe_egress(clients, dep)
    rows += check_egress(results, dep)
    rows += check_firewall_logs(clients, dep, pod_ip, results, echo=echo)
    rows += check_dns_from_jumpbox(clients, dep)
    rows += check_api_server_not_public(clients, dep)
    rows += check_public_ips(clients, dep)
    rows += check_routing(clients, dep)
    return pd.DataFrame([asdict(r) for r in rows]), results, pod_ip
