"""What a node must reach while it provisions, decided by the data plane.

While the scale set's instances boot, their extension (``vmssCSE``) pulls images and binaries and
signs in: those flows leave through the node's subnet like any other traffic, so they are routed,
judged by the firewall and logged (:func:`praks_lib.emulator.world.dataplane.send`). If one cannot be
reached the create fails with ``OutboundConnFailVMExtensionError`` (CSE exit status 50); if the node
cannot resolve the API server's private name, ``K8SAPIServerDNSLookupFailVMExtensionError`` (52).

The flows come from the shared egress catalog (:func:`praks_lib.firewall.required_flows`), so the
emulator and the runbook's what-if preflight agree on what AKS needs.
"""
from __future__ import annotations

from dataclasses import dataclass

from praks_lib.azure.messages import azure_error
from praks_lib.emulator.providers import containerregistry
from praks_lib.emulator.world import azure_dns, dataplane, network_state
from praks_lib.firewall import ClusterShape, required_flows

NODE_NEEDS = ("core", "public cluster")
MONITORING = "monitoring"


@dataclass(frozen=True)
class Failure:
    code: str
    message: str

    @classmethod
    def of(cls, key: str, **values: object) -> "Failure":
        error = azure_error(key, **values)
        return cls(error.code, error.message)

    def as_error(self) -> dict:
        return {"code": self.code, "message": self.message}


def catalog(*, name: str, location: str, subnet_prefix: str, private: bool, dns_prefix: str,
            monitoring: bool) -> list:
    """The catalog's required flows for a cluster of this shape (``RequiredFlow`` items)."""
    shape = ClusterShape(name=name, location=location, node_subnet=subnet_prefix, private=private,
                         dns_prefix=dns_prefix, container_insights=monitoring)
    return required_flows(shape)


def _send_all(tx, sources: list[str], flows: list) -> bool:
    reached = True
    for source in sources:
        for required in flows:
            flow = required.flow
            outcome = dataplane.send(tx, source, flow.destination, flow.port, flow.protocol,
                                     sni=True if flow.protocol == "HTTPS" else None)
            reached = reached and outcome.reached
    return reached


def provision_nodes(tx, node_ips: list[str], subnet_prefix: str, *, name: str, location: str, private: bool,
                    dns_prefix: str, api_server_name: str | None, vnet_id: str, registry: dict | None = None,
                    kubelet_principal: str = "") -> Failure | None:
    """Each node's bootstrap traffic; the failure AKS reports, or None when every node made it.

    With a registry cache (a network-isolated cluster) the nodes need nothing outside the VNet: they
    resolve the registry's names (through its private endpoint's zone), reach them, sign in with the
    kubelet identity and pull through the cache rule — else the CSE's exit status says which failed."""
    if registry is not None:
        failure = _bootstrap_from_cache(tx, node_ips, vnet_id, registry, kubelet_principal)
        if failure is not None:
            return failure
    else:
        flows = [f for f in catalog(name=name, location=location, subnet_prefix=subnet_prefix, private=private,
                                    dns_prefix=dns_prefix, monitoring=False) if f.needed_for in NODE_NEEDS]
        if not _send_all(tx, node_ips, flows):
            return Failure.of("outbound_connection_failed")
    if api_server_name and not azure_dns.resolve(tx, api_server_name, vnet_id):
        return Failure.of("api_server_dns_lookup_failed")
    return None


def monitoring_reachable(tx, source_ip: str, subnet_prefix: str, *, name: str, location: str, private: bool,
                         dns_prefix: str) -> bool:
    """The monitoring agent's traffic to Azure Monitor; True when all of it got through."""
    flows = [f for f in catalog(name=name, location=location, subnet_prefix=subnet_prefix, private=private,
                                dns_prefix=dns_prefix, monitoring=True) if f.needed_for == MONITORING]
    return _send_all(tx, [source_ip], flows)


def vnet_of(tx, ip: str) -> str | None:
    subnet = network_state.subnet_of(tx, ip)
    return str(network_state.ResourceId.parse(subnet["id"]).parent) if subnet else None


def _bootstrap_from_cache(tx, node_ips: list[str], vnet_id: str, registry: dict, kubelet_principal: str):
    """The registry's login server and data endpoint, reached from every node; then sign-in and the cache rule."""
    region = registry["location"].replace(" ", "").lower()
    server = registry["properties"]["loginServer"]
    names = [server, f"{registry['name'].lower()}.{region}.data.{server.split('.', 1)[1]}"]
    for source in node_ips:
        for host in names:
            addresses = azure_dns.resolve(tx, host, vnet_id)
            if not addresses or not dataplane.send(tx, source, addresses[0], 443, "HTTPS", sni=True).reached:
                return Failure.of("outbound_connection_failed")
    problem = containerregistry.pull_failure(tx, registry, kubelet_principal)
    return Failure.of(problem, registry=registry["id"]) if problem else None
