"""Services of type LoadBalancer → Azure load balancers in the node resource group, as the AKS cloud
controller (cloud-provider-azure) makes them after each change.

- ``service.beta.kubernetes.io/azure-load-balancer-internal: "true"``: a frontend on the internal load
  balancer ``kubernetes-internal``, with a private IP from the AKS subnet (or, with
  ``…/azure-load-balancer-internal-subnet: <name>``, from that subnet of the cluster's VNet).
- Without it: a Standard public IP ``kubernetes-<frontend>`` in the node group and a frontend on the
  public load balancer ``kubernetes``. On a userDefinedRouting cluster this is exactly the public IP
  the runbook's validation must catch.
- Names follow the cloud provider: frontend ``a`` + the service uid without dashes (32 characters,
  ``-<subnet>`` appended with the subnet annotation), rule and probe ``<frontend>-<PROTOCOL>-<port>``
  (a TCP probe on the node port), backend pool ``kubernetes`` holding the node pool's instances.
- EXTERNAL-IP shows the frontend's address. When Azure refuses the load balancer (e.g. a named subnet
  that does not exist or is full), the service stays ``<pending>``, as on AKS.
- A deleted service (or one no longer of type LoadBalancer) loses its frontend, rules and probes, and
  its public IP; a load balancer left without frontends is deleted.
"""
from __future__ import annotations

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import ArmError
from praks_lib.emulator.platform.arm.registry import resource_type_of
from praks_lib.emulator.platform.arm.resources import etag_of
from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.providers.network.load_balancers import LOAD_BALANCER_TYPE, LOAD_BALANCERS
from praks_lib.emulator.world.kubernetes import ClusterState
from praks_lib.emulator.world.kubernetes.objects import Service
from praks_lib.emulator.world.network_state import NIC_TYPE, PUBLIC_IP_TYPE

INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal"
INTERNAL_SUBNET = "service.beta.kubernetes.io/azure-load-balancer-internal-subnet"
CLUSTER_NAME = "kubernetes"  # the cloud provider's cluster name on AKS: names the load balancers, pool, IPs
PUBLIC_LB, INTERNAL_LB = CLUSTER_NAME, f"{CLUSTER_NAME}-internal"
SERVICE_TAG = "k8s-azure-service"
PROBE = {"protocol": "Tcp", "intervalInSeconds": 5, "numberOfProbes": 2, "probeThreshold": 1}


def frontend_name(service: Service) -> str:
    base = ("a" + service.uid.replace("-", ""))[:32]
    subnet = service.annotations.get(INTERNAL_SUBNET) if _internal(service) else None
    return f"{base}-{subnet}"[:80] if subnet else base


def public_ip_name(service: Service) -> str:
    return f"{CLUSTER_NAME}-{('a' + service.uid.replace('-', ''))[:32]}"


def _internal(service: Service) -> bool:
    return service.annotations.get(INTERNAL, "").lower() == "true"


def reconcile(call: Call, cluster: dict, state: ClusterState) -> None:
    """Make the node group's load balancers match the cluster's LoadBalancer services; set their
    EXTERNAL-IP."""
    properties = cluster["properties"]
    group_id = f"/subscriptions/{ResourceId.parse(cluster['id']).subscription}/resourceGroups/" \
               f"{properties['nodeResourceGroup']}"
    node_subnet = properties["agentPoolProfiles"][0].get("vnetSubnetID")
    if call.tx.get(group_id) is None or not node_subnet:
        return
    tags = dict(cluster.get("tags") or {})
    wanted = [s for s in state.services if s.type == "LoadBalancer"]
    shown = [s.external_ip for s in state.services]
    for service in state.services:
        service.external_ip = None
    public_ips = {s.uid: _ensure_public_ip(call, group_id, cluster["location"], s, tags)
                  for s in wanted if not _internal(s)}
    for lb_name, services in ((INTERNAL_LB, [s for s in wanted if _internal(s)]),
                              (PUBLIC_LB, [s for s in wanted if not _internal(s)])):
        rid = ResourceId.parse(f"{group_id}/providers/{LOAD_BALANCER_TYPE}/{lb_name}")
        frontends = [(s, _frontend(call, s, node_subnet, public_ips.get(s.uid))) for s in services]
        placed = [(s, f) for s, f in frontends if f is not None]
        balancer = _apply(call, rid, cluster["location"], tags, [s for s, _ in placed], [f for _, f in placed],
                          _node_configurations(call, group_id))
        for service, frontend in placed:
            service.external_ip = _address(call, balancer, frontend["name"])
    _release_public_ips(call, group_id, {public_ip_name(s) for s in wanted if not _internal(s)})
    if shown != [s.external_ip for s in state.services]:
        state.next_serial()


def _frontend(call: Call, service: Service, node_subnet: str, public_ip_id: str | None) -> dict | None:
    """The service's frontend; None while it cannot have one (a named subnet that does not exist)."""
    if public_ip_id:
        return {"name": frontend_name(service), "properties": {"publicIPAddress": {"id": public_ip_id}}}
    subnet = service.annotations.get(INTERNAL_SUBNET)
    subnet_id = f"{ResourceId.parse(node_subnet).parent}/subnets/{subnet}" if subnet else node_subnet
    if call.tx.get(subnet_id) is None:
        return None
    return {"name": frontend_name(service), "properties": {"subnet": {"id": subnet_id}}}


def _ensure_public_ip(call: Call, group_id: str, location: str, service: Service, tags: dict) -> str:
    rid = ResourceId.parse(f"{group_id}/providers/{PUBLIC_IP_TYPE}/{public_ip_name(service)}")
    if call.tx.get(str(rid)) is None:
        ip_type = resource_type_of(PUBLIC_IP_TYPE)
        request = {"location": location, "sku": {"name": "Standard", "tier": "Regional"},
                   "tags": {**tags, SERVICE_TAG: f"{service.namespace}/{service.name}",
                            "k8s-azure-cluster-name": CLUSTER_NAME},
                   "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}}
        ip_type.store(call, rid, ip_type.make(call, rid, request, None))
    return str(rid)


def _node_configurations(call: Call, group_id: str) -> list[str]:
    """The primary IP configurations of the node pool's scale-set instances (the backend)."""
    ids = []
    for nic in call.tx.list(NIC_TYPE, group_id):
        if "/virtualmachinescalesets/" in ((nic["properties"].get("virtualMachine") or {}).get("id") or "").lower():
            ids += [c["id"] for c in nic["properties"]["ipConfigurations"] if c["properties"].get("primary")]
    return ids


def _apply(call: Call, rid: ResourceId, location: str, tags: dict, services: list[Service], frontends: list[dict],
           backend: list[str]) -> dict | None:
    """Create, update or delete one load balancer; the stored body (None when it has no frontend
    or Azure refused it)."""
    existing = call.tx.get(str(rid))
    if not frontends:
        if existing is not None:
            call.tx.delete_tree(str(rid))
            LOAD_BALANCERS.after_delete(call, rid, existing)
        return None
    pool_id = f"{rid}/backendAddressPools/{CLUSTER_NAME}"
    rules, probes = [], []
    for service, frontend in zip(services, frontends):
        for port in service.ports:
            name = f"{frontend['name']}-{port.protocol.upper()}-{port.port}"[:80]
            probes.append({"name": name, "properties": {**PROBE, "port": port.node_port}})
            rules.append({"name": name, "properties": {
                "frontendIPConfiguration": {"id": f"{rid}/frontendIPConfigurations/{frontend['name']}"},
                "backendAddressPool": {"id": pool_id}, "probe": {"id": f"{rid}/probes/{name}"},
                "protocol": port.protocol.capitalize(), "frontendPort": port.port, "backendPort": port.port,
                "enableFloatingIP": True, "enableTcpReset": True, "idleTimeoutInMinutes": 4,
                "disableOutboundSnat": "publicIPAddress" in frontend["properties"]}})
    request = {"location": location, "tags": tags, "sku": {"name": "Standard", "tier": "Regional"},
               "properties": {"frontendIPConfigurations": frontends, "probes": probes, "loadBalancingRules": rules,
                              "backendAddressPools": [{"name": CLUSTER_NAME}]}}
    try:
        body = LOAD_BALANCERS.make(call, rid, request, existing)
    except ArmError:
        return None
    body["properties"]["backendAddressPools"][0]["properties"]["backendIPConfigurations"] = \
        [{"id": config_id} for config_id in backend]
    body["etag"] = etag_of(body)
    if body != existing:
        LOAD_BALANCERS.store(call, rid, body)
    LOAD_BALANCERS.after_write(call, rid, body, request)
    return body


def _address(call: Call, balancer: dict | None, frontend: str) -> str | None:
    found = next((f for f in (balancer or {}).get("properties", {}).get("frontendIPConfigurations") or []
                  if f["name"] == frontend), None)
    if found is None:
        return None
    public_ip = found["properties"].get("publicIPAddress")
    if public_ip:
        return call.tx.get(public_ip["id"])["properties"]["ipAddress"]
    return found["properties"]["privateIPAddress"]


def _release_public_ips(call: Call, group_id: str, kept: set[str]) -> None:
    """Delete the service public IPs no service needs any more (free once their frontend is gone)."""
    ip_type = resource_type_of(PUBLIC_IP_TYPE)
    for public_ip in call.tx.list(PUBLIC_IP_TYPE, group_id):
        if SERVICE_TAG in (public_ip.get("tags") or {}) and public_ip["name"] not in kept \
                and not public_ip["properties"].get("ipConfiguration"):
            call.tx.delete_tree(public_ip["id"])
            ip_type.after_delete(call, ResourceId.parse(public_ip["id"]), public_ip)
