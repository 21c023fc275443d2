"""A three-node private cluster (the walkthrough's addresses) and a fake data plane that records
what it is asked, for the Kubernetes tests that run without an emulated cloud."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from praks_lib.emulator.world.kubernetes import new_cluster
from praks_lib.firewall import denied_http_response

CREATED = datetime(2020, 2, 5, 10, 0, tzinfo=timezone.utc)
NOW = CREATED + timedelta(hours=8)
CLUSTER_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dzpraks1_kube/providers/"
              "Microsoft.ContainerService/managedClusters/dzpraks1")
FQDN = "dzpraks1-5abd81.3eb3a3dc-1234.privatelink.westeurope.azmk8s.io"


@dataclass
class FakeOutcome:
    action: str
    status: int | None = None
    body: str = ""
    error: str | None = None


class FakeDataPlane:
    """batman.com is denied (470 page / TLS reset / timeout), unroutable.example times out,
    closed.example refuses, everything else is allowed. Records every flow it is asked about."""

    def __init__(self):
        self.flows = []
        self.lookups = []

    def network(self, source_ip, host, port, protocol, sni):
        self.flows.append((source_ip, host, port, protocol, sni))
        if host == "unroutable.example":
            return FakeOutcome("Dropped", error="timeout")
        if host == "closed.example":
            return FakeOutcome("Allow", error="refused")
        if host == "batman.com":
            if protocol == "HTTP":
                page = denied_http_response()
                return FakeOutcome("Deny", page["status"], page["body"])
            return FakeOutcome("Deny", error="tls handshake failure" if protocol == "HTTPS" else "timeout")
        return FakeOutcome("Allow", 200 if protocol in ("HTTP", "HTTPS") else None)

    def resolve(self, name, from_ip):
        self.lookups.append((name, from_ip))
        if name.endswith(".invalid"):
            return []
        if name == "nodns.example":
            return None
        return ["93.184.216.34"]


def make_cluster(**overrides):
    options = dict(cluster_id=CLUSTER_ID, cluster_name="dzpraks1", kubernetes_version="1.33.2",
                   node_subnet="10.0.5.0/24", service_cidr="10.2.0.0/24", dns_service_ip="10.2.0.10",
                   api_server_fqdn=FQDN, created=CREATED, node_resource_group="MC_dzpraks1_kube_dzpraks1_westeurope")
    options.update(overrides)
    return new_cluster(**options)
