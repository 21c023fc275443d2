"""Load balancers in the emulator: through the SDK (Azure's shapes, checks and back-references) and
through AKS (a Service of type LoadBalancer applied by run command becomes an internal or a public
load balancer in the node resource group, which the runbook's validation sees)."""
import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import models as net

from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.runcommand import kubectl
from praks_lib.validate import FAIL, check_public_ips

from ..aks_world import build_world


@pytest.fixture
def dep(walkthrough_2020):
    """The 2020 walkthrough's design: flat Azure CNI's addresses, no API server load balancer."""
    return walkthrough_2020

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network"
LB = f"{SUB}/loadBalancers/lb"


@pytest.fixture
def vnet(network, group):
    network.virtual_networks.begin_create_or_update("rg", "vnet", net.VirtualNetwork({
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                                                 "subnets": [{"name": "app", "properties": {
                                                     "addressPrefix": "10.1.0.0/24"}}]}})).result()
    return f"{SUB}/virtualNetworks/vnet/subnets/app"


@pytest.fixture
def public_ip(network, group):
    return network.public_ip_addresses.begin_create_or_update("rg", "pip", net.PublicIPAddress({
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}})).result()


def lb_body(frontend: dict, name: str = "lb") -> dict:
    """An LB with one frontend, pool ``pool``, probe ``probe`` and rule ``http`` (80/TCP)."""
    lb = f"{SUB}/loadBalancers/{name}"
    body = {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": frontend}],
        "backendAddressPools": [{"name": "pool"}],
        "probes": [{"name": "probe", "properties": {"protocol": "Tcp", "port": 80}}],
        "loadBalancingRules": [{"name": "http", "properties": {
            "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
            "backendAddressPool": {"id": f"{lb}/backendAddressPools/pool"}, "probe": {"id": f"{lb}/probes/probe"},
            "protocol": "Tcp", "frontendPort": 80, "backendPort": 8080}}]}}
    return body


def put(network, body: dict, name: str = "lb"):
    return network.load_balancers.begin_create_or_update("rg", name, net.LoadBalancer(body)).result()


def error_of(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.status_code, caught.value.error.code, caught.value.error.message


def test_internal_lb_takes_the_lowest_free_address_and_links_everything(network, vnet):
    lb = put(network, lb_body({"subnet": {"id": vnet}}))
    assert (lb.sku.name, lb.sku.tier, lb.provisioning_state) == ("Standard", "Regional", "Succeeded")
    frontend, pool, probe, rule = (lb.frontend_ip_configurations[0], lb.backend_address_pools[0], lb.probes[0],
                                   lb.load_balancing_rules[0])
    assert (frontend.private_ip_address, frontend.private_ip_allocation_method) == ("10.1.0.4", "Dynamic")
    assert frontend.type == "Microsoft.Network/loadBalancers/frontendIPConfigurations" and frontend.etag == lb.etag
    assert [r.id for r in frontend.load_balancing_rules] == [rule.id] == [r.id for r in probe.load_balancing_rules]
    assert [r.id for r in pool.load_balancing_rules] == [rule.id]
    assert (rule.backend_port, rule.idle_timeout_in_minutes, rule.enable_floating_ip, rule.load_distribution) == \
           (8080, 4, False, "Default")
    assert [p.id for p in rule.backend_address_pools] == [pool.id]
    assert (probe.interval_in_seconds, probe.number_of_probes) == (15, 2)
    subnet = network.subnets.get("rg", "vnet", "app")
    assert [c.id for c in subnet.ip_configurations] == [frontend.id]
    assert [b.name for b in network.load_balancers.list("rg")] == ["lb"]
    again = put(network, lb_body({"subnet": {"id": vnet}}))
    assert (again.etag, again.frontend_ip_configurations[0].private_ip_address) == (lb.etag, "10.1.0.4")


def test_sub_resources_can_be_listed_and_read(network, vnet):
    put(network, lb_body({"subnet": {"id": vnet}}))
    assert [f.name for f in network.load_balancer_frontend_ip_configurations.list("rg", "lb")] == ["fe"]
    assert network.load_balancer_probes.get("rg", "lb", "probe").port == 80
    assert network.load_balancer_load_balancing_rules.get("rg", "lb", "http").frontend_port == 80
    assert [p.name for p in network.load_balancer_backend_address_pools.list("rg", "lb")] == ["pool"]
    with pytest.raises(ResourceNotFoundError) as missing:
        network.load_balancer_probes.get("rg", "lb", "nope")
    assert missing.value.error.message == f"Resource {LB}/probes/nope not found."


def test_addresses_are_shared_with_nics_both_ways(network, vnet):
    put(network, lb_body({"subnet": {"id": vnet}}))
    nic = network.network_interfaces.begin_create_or_update("rg", "nic", net.NetworkInterface({
        "location": "westeurope", "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": vnet}}}]}})).result()
    assert nic.ip_configurations[0].private_ip_address == "10.1.0.5"  # .4 is the frontend's
    static = lb_body({"subnet": {"id": vnet}, "privateIPAllocationMethod": "Static", "privateIPAddress": "10.1.0.5"})
    status, code, message = error_of(lambda: put(network, static, "lb2"))
    assert (status, code) == (400, "PrivateIPAddressInUse") and nic.ip_configurations[0].id in message
    lb = put(network, lb_body({"subnet": {"id": vnet}, "privateIPAllocationMethod": "Static",
                               "privateIPAddress": "10.1.0.10"}, "lb2"), "lb2")
    assert lb.frontend_ip_configurations[0].private_ip_allocation_method == "Static"


def test_public_frontend_holds_its_public_ip_until_the_lb_goes(network, public_ip):
    lb = put(network, lb_body({"publicIPAddress": {"id": public_ip.id}}))
    frontend = lb.frontend_ip_configurations[0]
    assert frontend.public_ip_address.id == public_ip.id and frontend.subnet is None
    assert network.public_ip_addresses.get("rg", "pip").ip_configuration.id == frontend.id
    status, code, message = error_of(lambda: network.public_ip_addresses.begin_delete("rg", "pip").result())
    assert (status, code) == (400, "PublicIPAddressCannotBeDeleted") and frontend.id in message
    status, code, _ = error_of(lambda: put(network, lb_body({"publicIPAddress": {"id": public_ip.id}}, "other"),
                                           "other"))
    assert (status, code) == (400, "PublicIPAddressInUse")
    network.load_balancers.begin_delete("rg", "lb").result()
    assert network.public_ip_addresses.get("rg", "pip").ip_configuration is None
    network.public_ip_addresses.begin_delete("rg", "pip").result()


@pytest.mark.parametrize("change, expected", [
    ({"sku": {"name": "Basic"}}, "BasicSkuLoadBalancerCreationNotAllowed"),
    ({"frontend": {"subnet": {"id": "SUBNET"}, "publicIPAddress": {"id": "PIP"}}},
     "FrontendIPConfigHasBothSubnetAndPublicIP"),
    ({"frontend": {}}, "FrontendIPConfigHasNoSubnetOrPublicIP"),
    ({"frontend": {"subnet": {"id": "SUBNET/../missing"}}}, "InvalidResourceReference"),
    ({"probes": []}, "InvalidResourceReference"),
    ({"second_frontend": {"publicIPAddress": {"id": "PIP"}}}, "LoadBalancerWithPublicAndPrivateFrontends"),
    ({"frontend": {"subnet": {"id": "SUBNET"}, "privateIPAllocationMethod": "Static",
                   "privateIPAddress": "10.1.0.1"}}, "PrivateIPAddressIsReserved"),
])
def test_invalid_requests_fail_like_azure_and_create_nothing(network, vnet, public_ip, change, expected):
    def fill(value):
        return {k: fill(v) for k, v in value.items()} if isinstance(value, dict) else \
            value.replace("SUBNET/../missing", f"{SUB}/virtualNetworks/vnet/subnets/missing").replace(
                "SUBNET", vnet).replace("PIP", public_ip.id) if isinstance(value, str) else value

    change = fill(change)
    body = lb_body(change.pop("frontend", {"subnet": {"id": vnet}}))
    if "second_frontend" in change:
        second = {"name": "fe2", "properties": change.pop("second_frontend")}
        body["properties"]["frontendIPConfigurations"].append(second)
    if "probes" in change:
        body["properties"]["probes"] = change.pop("probes")
    body.update(change)
    status, code, _ = error_of(lambda: put(network, body))
    assert (status, code) == (400, expected)
    assert list(network.load_balancers.list("rg")) == []
    assert network.subnets.get("rg", "vnet", "app").ip_configurations is None


def test_a_basic_public_ip_does_not_match_a_standard_lb(network, group, emu):
    basic = f"{SUB}/publicIPAddresses/old"
    with emu.store.transaction() as tx:  # an address from before Basic public IPs were retired
        tx.put(basic, {"id": basic, "name": "old", "type": "Microsoft.Network/publicIPAddresses",
                       "location": "westeurope", "sku": {"name": "Basic"},
                       "properties": {"publicIPAllocationMethod": "Dynamic"}},
               type="Microsoft.Network/publicIPAddresses", scope=f"{SUB.rsplit('/providers', 1)[0]}")
    status, code, message = error_of(lambda: put(network, lb_body({"publicIPAddress": {"id": basic}})))
    assert (status, code, message) == (400, "PublicIPAndLBSkuDoNotMatch",
                                       f"Standard sku load balancer {LB} cannot reference Basic sku publicIP {basic}.")


# through AKS ------------------------------------------------------------------------------------

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
{annotations}spec:
  type: LoadBalancer
  ports:
  - port: 80
  selector:
    app: {name}
"""
INTERNAL = '  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-internal: "true"\n'


def service(name: str, annotations: str = "") -> dict[str, str]:
    return {f"{name}.yaml": SERVICE.format(name=name, annotations=f"{annotations}" if annotations else "")}


@pytest.fixture
def cluster(clients, dep):
    build_world(clients, dep)
    ensure_private_cluster(clients, dep)
    return clients


def external_ip(clients, dep, name: str) -> str:
    return kubectl(clients, dep, f"kubectl get svc {name}").stdout.splitlines()[1].split()[3]


def test_internal_services_get_private_frontends_on_kubernetes_internal(cluster, dep):
    out = kubectl(cluster, dep, "kubectl apply -f logger.yaml", service("logger", INTERNAL))
    assert out.stdout == "service/logger created\n"
    assert external_ip(cluster, dep, "logger") == "10.0.5.98"  # after 3 nodes x 31 and the API server's .97
    in_subnet = INTERNAL + "    service.beta.kubernetes.io/azure-load-balancer-internal-subnet: " \
                           f"{dep.network.spoke.ingress_subnet.name}\n"
    kubectl(cluster, dep, "kubectl apply -f nginx.yaml", service("nginx", in_subnet))
    assert external_ip(cluster, dep, "nginx") == "10.0.4.4"
    balancers = list(cluster.network.load_balancers.list(dep.node_resource_group))
    assert [b.name for b in balancers] == ["kubernetes-internal"]
    frontends = balancers[0].frontend_ip_configurations
    assert [f.private_ip_address for f in frontends] == ["10.0.5.98", "10.0.4.4"]
    assert re.fullmatch("a[0-9a-f]{31}", frontends[0].name)
    assert re.fullmatch("a[0-9a-f]{31}-ing-1-subnet", frontends[1].name)
    rule = balancers[0].load_balancing_rules[0]
    assert rule.name == f"{frontends[0].name}-TCP-80" and rule.enable_floating_ip
    assert len(balancers[0].backend_address_pools[0].backend_ip_configurations) == dep.aks.node_pool.count
    assert not [r for r in check_public_ips(cluster, dep) if r.result == FAIL]
    status, code, _ = error_of(lambda: cluster.network.load_balancers.begin_delete(
        dep.node_resource_group, "kubernetes-internal").result())
    assert (status, code) == (400, "LoadBalancerInUseByVirtualMachineScaleSet")


def test_a_public_service_is_the_extra_public_ip_validation_catches(cluster, dep):
    kubectl(cluster, dep, "kubectl apply -f web.yaml", service("web"))
    ips = [ip for ip in cluster.network.public_ip_addresses.list(dep.node_resource_group)]
    assert len(ips) == 1 and ips[0].name.startswith("kubernetes-a")
    assert ips[0].tags["k8s-azure-service"] == "default/web"
    assert external_ip(cluster, dep, "web") == ips[0].ip_address
    balancer = cluster.network.load_balancers.get(dep.node_resource_group, "kubernetes")
    assert balancer.frontend_ip_configurations[0].public_ip_address.id == ips[0].id
    failed = [r for r in check_public_ips(cluster, dep) if r.result == FAIL]
    assert {r.evidence for r in failed} == {f"publicIPAddresses in {dep.node_resource_group}",
                                            f"loadBalancers in {dep.node_resource_group}"}
    assert kubectl(cluster, dep, "kubectl delete svc web").stdout == 'service "web" deleted\n'
    assert list(cluster.network.load_balancers.list(dep.node_resource_group)) == []
    assert list(cluster.network.public_ip_addresses.list(dep.node_resource_group)) == []
    assert not [r for r in check_public_ips(cluster, dep) if r.result == FAIL]


def test_making_a_service_internal_moves_its_frontend(cluster, dep):
    kubectl(cluster, dep, "kubectl apply -f web.yaml", service("web"))
    kubectl(cluster, dep, "kubectl apply -f web.yaml", service("web", INTERNAL))
    assert external_ip(cluster, dep, "web") == "10.0.5.98"
    assert [b.name for b in cluster.network.load_balancers.list(dep.node_resource_group)] == ["kubernetes-internal"]
    assert list(cluster.network.public_ip_addresses.list(dep.node_resource_group)) == []


def test_a_missing_internal_subnet_leaves_the_service_pending(cluster, dep):
    missing = INTERNAL + "    service.beta.kubernetes.io/azure-load-balancer-internal-subnet: nope\n"
    kubectl(cluster, dep, "kubectl apply -f web.yaml", service("web", missing))
    assert external_ip(cluster, dep, "web") == "<pending>"
    assert list(cluster.network.load_balancers.list(dep.node_resource_group)) == []
