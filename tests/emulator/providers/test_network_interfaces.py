"""Network interfaces in the emulator, through the real SDK: address allocation, back-references,
and the effective route table before and after a 0.0.0.0/0 → firewall route."""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import models as m

SUB = "00000000-0000-0000-0000-000000000000"
NET = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network"
AKS_SUBNET = f"{NET}/virtualNetworks/spoke/subnets/aks"
SMALL_SUBNET = f"{NET}/virtualNetworks/spoke/subnets/tiny"


@pytest.fixture
def net(network, group):
    """Hub 10.0.0.0/16 and spoke 10.1.0.0/16, peered both ways (Connected)."""
    network.virtual_networks.begin_create_or_update("rg", "hub", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.0.0.0/16"]),
        subnets=[m.Subnet(name="AzureFirewallSubnet", address_prefix="10.0.0.0/26")])).result()
    network.virtual_networks.begin_create_or_update("rg", "spoke", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.1.0.0/16"]),
        subnets=[m.Subnet(name="aks", address_prefix="10.1.0.0/22"),
                 m.Subnet(name="tiny", address_prefix="10.1.8.0/29")])).result()
    for local, remote in (("hub", "spoke"), ("spoke", "hub")):
        network.virtual_network_peerings.begin_create_or_update("rg", local, f"{local}-to-{remote}", m.VirtualNetworkPeering(
            remote_virtual_network=m.SubResource(id=f"{NET}/virtualNetworks/{remote}"))).result()
    return network


def nic(subnet=AKS_SUBNET, **config):
    return m.NetworkInterface(location="westeurope", ip_configurations=[
        m.NetworkInterfaceIPConfiguration(name="ipconfig1", subnet=m.SubResource(id=subnet), **config)])


def address(network, name):
    return network.network_interfaces.get("rg", name).ip_configurations[0].private_ip_address


def error_of(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.error.code, caught.value.error.message


def test_dynamic_addresses_skip_reserved_and_taken_ones_and_stay(net):
    created = net.network_interfaces.begin_create_or_update("rg", "a", nic()).result()
    config = created.ip_configurations[0]
    assert (config.private_ip_address, config.private_ip_allocation_method, config.primary) == ("10.1.0.4", "Dynamic", True)
    assert config.public_ip_address is None
    net.network_interfaces.begin_create_or_update("rg", "b", nic()).result()
    assert address(net, "b") == "10.1.0.5"
    net.network_interfaces.begin_create_or_update("rg", "a", net.network_interfaces.get("rg", "a")).result()
    assert address(net, "a") == "10.1.0.4"  # an update keeps the address
    net.network_interfaces.begin_delete("rg", "a").result()
    net.network_interfaces.begin_create_or_update("rg", "c", nic()).result()
    assert address(net, "c") == "10.1.0.4"  # a freed address is reused


def test_static_addresses_must_be_in_the_subnet_free_and_not_reserved(net):
    net.network_interfaces.begin_create_or_update("rg", "a", nic(
        private_ip_allocation_method="Static", private_ip_address="10.1.0.10")).result()
    assert address(net, "a") == "10.1.0.10"
    for wanted, code in (("10.1.0.10", "PrivateIPAddressInUse"), ("10.2.0.10", "PrivateIPAddressNotInSubnet"),
                         ("10.1.0.2", "PrivateIPAddressIsReserved"), ("10.1.3.255", "PrivateIPAddressIsReserved")):
        got, _ = error_of(lambda: net.network_interfaces.begin_create_or_update("rg", "b", nic(
            private_ip_allocation_method="Static", private_ip_address=wanted)).result())
        assert got == code, wanted
    assert [n.name for n in net.network_interfaces.list("rg")] == ["a"]


def test_full_subnet(net):
    for name in ("a", "b", "c"):  # a /29 has 8 addresses, 5 reserved
        net.network_interfaces.begin_create_or_update("rg", name, nic(SMALL_SUBNET)).result()
    code, message = error_of(lambda: net.network_interfaces.begin_create_or_update("rg", "d", nic(SMALL_SUBNET)).result())
    assert code == "SubnetIsFull" and "tiny" in message


def test_missing_subnet_is_an_invalid_reference(net):
    code, _ = error_of(lambda: net.network_interfaces.begin_create_or_update(
        "rg", "a", nic(f"{NET}/virtualNetworks/spoke/subnets/ghost")).result())
    assert code == "InvalidResourceReference"


def test_subnet_lists_the_nic_and_refuses_deletion(net):
    net.network_interfaces.begin_create_or_update("rg", "a", nic()).result()
    config_id = f"{NET}/networkInterfaces/a/ipConfigurations/ipconfig1"
    assert [c.id for c in net.subnets.get("rg", "spoke", "aks").ip_configurations] == [config_id]
    code, _ = error_of(lambda: net.subnets.begin_delete("rg", "spoke", "aks").result())
    assert code == "InUseSubnetCannotBeDeleted"
    net.network_interfaces.begin_delete("rg", "a").result()
    net.subnets.begin_delete("rg", "spoke", "aks").result()


def test_public_ip_only_when_asked(net):
    ip = net.public_ip_addresses.begin_create_or_update("rg", "pip", m.PublicIPAddress(
        location="westeurope", sku=m.PublicIPAddressSku(name="Standard"), public_ip_allocation_method="Static")).result()
    net.network_interfaces.begin_create_or_update("rg", "a", nic(public_ip_address=m.SubResource(id=ip.id))).result()
    assert net.public_ip_addresses.get("rg", "pip").ip_configuration.id.endswith("/networkInterfaces/a/ipConfigurations/ipconfig1")
    code, _ = error_of(lambda: net.network_interfaces.begin_create_or_update(
        "rg", "b", nic(public_ip_address=m.SubResource(id=ip.id))).result())
    assert code == "PublicIPAddressInUse"


def routes_of(network, name):
    return {(r.address_prefix[0], r.source, r.next_hop_type): (r.state, r.next_hop_ip_address)
            for r in network.network_interfaces.begin_get_effective_route_table("rg", name).result().value}


def test_effective_routes_before_and_after_the_firewall_route(net):
    net.network_interfaces.begin_create_or_update("rg", "node", nic()).result()
    before = routes_of(net, "node")
    assert before[("10.1.0.0/16", "Default", "VnetLocal")] == ("Active", [])
    assert before[("10.0.0.0/16", "Default", "VNetPeering")] == ("Active", [])
    assert before[("0.0.0.0/0", "Default", "Internet")] == ("Active", [])
    assert before[("10.0.0.0/8", "Default", "None")] == ("Active", [])
    net.route_tables.begin_create_or_update("rg", "egress", m.RouteTable(location="westeurope", routes=[
        m.Route(name="to-firewall", address_prefix="0.0.0.0/0", next_hop_type="VirtualAppliance",
                next_hop_ip_address="10.0.0.4")])).result()
    subnet = net.subnets.get("rg", "spoke", "aks")
    subnet.route_table = m.SubResource(id=f"{NET}/routeTables/egress")
    net.subnets.begin_create_or_update("rg", "spoke", "aks", subnet).result()
    after = routes_of(net, "node")
    assert after[("0.0.0.0/0", "Default", "Internet")] == ("Invalid", [])
    assert after[("0.0.0.0/0", "User", "VirtualAppliance")] == ("Active", ["10.0.0.4"])
    assert after[("10.0.0.0/16", "Default", "VNetPeering")] == ("Active", [])
    user = [r for r in net.network_interfaces.begin_get_effective_route_table("rg", "node").result().value
            if r.source == "User"]
    assert [r.name for r in user] == ["to-firewall"]


def test_effective_route_table_is_a_location_polled_operation(net, arm_call):
    net.network_interfaces.begin_create_or_update("rg", "node", nic()).result()
    answer = arm_call("POST", f"{NET}/networkInterfaces/node/effectiveRouteTable")
    assert answer.status_code == 202
    location = answer.headers["Location"].split("management.azure.com")[1].split("?")[0]
    assert location.startswith(f"{NET}/networkInterfaces/node/operationResults/")
    assert arm_call("GET", location).status_code == 202
    done = arm_call("GET", location)
    assert done.status_code == 200 and done.json()["value"][0]["addressPrefix"] == ["10.1.0.0/16"]
