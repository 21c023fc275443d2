"""Lab: the route table is no longer associated with the AKS subnet (someone re-created the subnet, or a
template without routeTable ran), so the subnet's default route is Azure's Internet route again and the
cluster's egress bypasses the firewall."""
from __future__ import annotations

from praks_lib.cloud import Clients
from praks_lib.deploy.route import ensure_route_association
from praks_lib.deployment import Deployment
from praks_lib.labs import deploy_healthy, verdict
from praks_lib.stages import Verdict
from praks_lib.validate import PASS, check_egress, check_routing, probe_egress


def break_it(clients: Clients, dep: Deployment) -> None:
    deploy_healthy(clients, dep)
    group, spoke = dep.resource_groups.network, dep.network.spoke
    subnet = clients.network.subnets.get(group, spoke.name, spoke.aks_subnet.name)
    subnet.route_table = None
    clients.network.subnets.begin_create_or_update(group, spoke.name, spoke.aks_subnet.name, subnet).result()


def fix(clients: Clients, dep: Deployment) -> None:
    print(ensure_route_association(clients, dep))


def check(clients: Clients, dep: Deployment) -> Verdict:
    [route] = check_routing(clients, dep)
    _, results = probe_egress(clients, dep)
    leaks = [r.target for r in check_egress(results) if r.result != PASS and r.expected == "Deny"]
    return verdict(route.result == PASS and not leaks,
                   f"{route.target} goes to {route.observed}, and the denied URLs are denied.",
                   f"{route.target} goes to {route.observed}" + (f"; reachable: {', '.join(leaks)}" if leaks else ""),
                   "associate the route table with the AKS subnet (03_egress_route)")
