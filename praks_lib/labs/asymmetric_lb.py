"""Lab: asymmetric routing through a public load balancer. A Service of type LoadBalancer without the
internal annotation gets a public IP; requests reach the nodes through it, but the AKS subnet's default
route sends the replies to the firewall, which never saw the connection open and drops them. The app
times out from the internet, and the cluster has a public IP it must not have."""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from praks_lib.cloud import Clients
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.labs import deploy_healthy, verdict
from praks_lib.runcommand import kubectl, kubectl_json
from praks_lib.stages import Verdict
from praks_lib.validate import PASS, check_public_ips

APP = "shop"
INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal"


def manifest(internal: bool) -> str:
    annotation = f"  annotations:\n    {INTERNAL}: \"true\"\n" if internal else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {APP}\nspec:\n  replicas: 2\n"
            f"  selector:\n    matchLabels: {{app: {APP}}}\n  template:\n    metadata:\n      labels: {{app: {APP}}}\n"
            f"    spec:\n      containers:\n      - name: web\n        image: mcr.microsoft.com/azurelinux/base/nginx:1\n"
            f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {APP}\n{annotation}spec:\n  type: LoadBalancer\n"
            f"  selector: {{app: {APP}}}\n  ports:\n  - port: 80\n")


def publish(clients: Clients, dep: Deployment, internal: bool) -> str:
    out = kubectl(clients, dep, f"kubectl apply -f {APP}.yaml", {f"{APP}.yaml": manifest(internal)})
    if out.exit_code != 0:
        raise StageError(f"kubectl apply failed: {out.stdout.strip()}")
    return out.stdout.strip()


def external_ip(clients: Clients, dep: Deployment) -> str:
    service = kubectl_json(clients, dep, f"kubectl get service {APP} -o json")
    ingress = service.get("status", {}).get("loadBalancer", {}).get("ingress") or [{}]
    return ingress[0].get("ip", "")


def break_it(clients: Clients, dep: Deployment) -> None:
    deploy_healthy(clients, dep)
    kubectl(clients, dep, f"kubectl delete service {APP}")  # a re-run starts from the public service again
    print(publish(clients, dep, internal=False))


def fix(clients: Clients, dep: Deployment) -> None:
    kubectl(clients, dep, f"kubectl delete service {APP}")  # the cloud provider does not move a frontend
    print(publish(clients, dep, internal=True))


def check(clients: Clients, dep: Deployment) -> Verdict:
    public = [r for r in check_public_ips(clients, dep) if r.result != PASS]
    address = external_ip(clients, dep)
    in_subnet = bool(address) and IPv4Address(address) in IPv4Network(dep.network.spoke.aks_subnet.prefix)
    return verdict(not public and in_subnet,
                   f"service {APP} is at {address} on the internal load balancer; the only public IP is the firewall's.",
                   f"service {APP} is at {address or '<pending>'}"
                   + (f"; public: {', '.join(r.target for r in public)}" if public else ""),
                   "make the service internal (annotation service.beta.kubernetes.io/azure-load-balancer-internal: "
                   "\"true\"); publish it through the firewall's DNAT if the internet must reach it")
