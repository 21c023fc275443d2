"""Route tables and routes in the emulator, through the real SDK: route validation, association
with subnets (child PUT and inline in the VNet), in-use protection, the data plane's lookups."""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import models as m

from praks_lib.emulator.world import network_state

SUB = "00000000-0000-0000-0000-000000000000"
NET = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network"
TABLE = f"{NET}/routeTables/egress"


@pytest.fixture
def spoke(network, group):
    network.virtual_networks.begin_create_or_update("rg", "spoke", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.1.0.0/16"]),
        subnets=[m.Subnet(name="aks", address_prefix="10.1.0.0/22")])).result()
    return network


def default_route(**overrides):
    values = dict(name="to-firewall", address_prefix="0.0.0.0/0", next_hop_type="VirtualAppliance",
                  next_hop_ip_address="10.0.0.4")
    values.update(overrides)
    return m.Route(**values)


def table(*routes):
    return m.RouteTable(location="westeurope", disable_bgp_route_propagation=True, routes=list(routes))


def error_of(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.error.code, caught.value.error.message


def test_route_table_with_inline_route(spoke):
    created = spoke.route_tables.begin_create_or_update("rg", "egress", table(default_route())).result()
    assert created.disable_bgp_route_propagation is True
    [route] = created.routes
    assert (route.name, route.address_prefix, route.next_hop_type, route.next_hop_ip_address) == (
        "to-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.0.4")
    assert route.id == f"{TABLE}/routes/to-firewall"
    assert spoke.routes.get("rg", "egress", "to-firewall").next_hop_ip_address == "10.0.0.4"


def test_child_routes_and_inline_routes_agree(spoke):
    spoke.route_tables.begin_create_or_update("rg", "egress", table()).result()
    spoke.routes.begin_create_or_update("rg", "egress", "to-firewall", default_route()).result()
    assert [r.name for r in spoke.route_tables.get("rg", "egress").routes] == ["to-firewall"]
    current = spoke.route_tables.get("rg", "egress")
    current.routes = []
    spoke.route_tables.begin_create_or_update("rg", "egress", current).result()
    assert list(spoke.routes.list("rg", "egress")) == []


@pytest.mark.parametrize("route, code, words", [
    (default_route(next_hop_ip_address=None), "InvalidRoute", "NextHopIpAddress cannot be Null or Empty"),
    (default_route(next_hop_type="Internet"), "InvalidRoute", "can only be given when nextHopType is VirtualAppliance"),
    (default_route(next_hop_ip_address="10.0.0"), "InvalidRoute", "invalid nextHopIpAddress"),
    (default_route(address_prefix="0.0.0.0"), "InvalidAddressPrefixFormat", "not formatted correctly"),
    (default_route(address_prefix="10.1.2.0/16"), "InvalidCIDRNotation", "should be 10.1.0.0/16"),
    (default_route(next_hop_type="Firewall"), "InvalidRoute", "invalid nextHopType 'Firewall'"),
])
def test_bad_routes_are_refused_inline_and_as_child(spoke, route, code, words):
    assert error_of(lambda: spoke.route_tables.begin_create_or_update("rg", "egress", table(route)).result())[0] == code
    assert list(spoke.route_tables.list("rg")) == []
    spoke.route_tables.begin_create_or_update("rg", "egress", table()).result()
    got_code, message = error_of(lambda: spoke.routes.begin_create_or_update("rg", "egress", "r", route).result())
    assert got_code == code and words in message
    assert list(spoke.routes.list("rg", "egress")) == []


def test_associating_a_table_shows_on_both_sides(spoke):
    spoke.route_tables.begin_create_or_update("rg", "egress", table(default_route())).result()
    subnet = spoke.subnets.get("rg", "spoke", "aks")
    subnet.route_table = m.SubResource(id=TABLE.replace("routeTables", "ROUTETABLES"))
    associated = spoke.subnets.begin_create_or_update("rg", "spoke", "aks", subnet).result()
    assert associated.route_table.id == TABLE  # echoed in the table's own casing
    assert [s.id for s in spoke.route_tables.get("rg", "egress").subnets] == [f"{NET}/virtualNetworks/spoke/subnets/aks"]
    vnet = spoke.virtual_networks.get("rg", "spoke")  # a GET-modify-PUT of the VNet keeps it
    spoke.virtual_networks.begin_create_or_update("rg", "spoke", vnet).result()
    assert spoke.subnets.get("rg", "spoke", "aks").route_table.id == TABLE


def test_association_inline_in_the_vnet(spoke):
    spoke.route_tables.begin_create_or_update("rg", "egress", table(default_route())).result()
    spoke.virtual_networks.begin_create_or_update("rg", "spoke", m.VirtualNetwork(
        location="westeurope", address_space=m.AddressSpace(address_prefixes=["10.1.0.0/16"]),
        subnets=[m.Subnet(name="aks", address_prefix="10.1.0.0/22", route_table=m.SubResource(id=TABLE))])).result()
    assert spoke.subnets.get("rg", "spoke", "aks").route_table.id == TABLE


def test_associating_a_missing_table_is_an_invalid_reference(spoke):
    subnet = spoke.subnets.get("rg", "spoke", "aks")
    subnet.route_table = m.SubResource(id=f"{NET}/routeTables/ghost")
    code, message = error_of(lambda: spoke.subnets.begin_create_or_update("rg", "spoke", "aks", subnet).result())
    assert code == "InvalidResourceReference"
    assert "routeTables/ghost" in message and "same region" in message
    assert spoke.subnets.get("rg", "spoke", "aks").route_table is None


def test_associated_table_cannot_be_deleted_until_dissociated(spoke):
    spoke.route_tables.begin_create_or_update("rg", "egress", table(default_route())).result()
    subnet = spoke.subnets.get("rg", "spoke", "aks")
    subnet.route_table = m.SubResource(id=TABLE)
    spoke.subnets.begin_create_or_update("rg", "spoke", "aks", subnet).result()
    code, message = error_of(lambda: spoke.route_tables.begin_delete("rg", "egress").result())
    assert code == "InUseRouteTableCannotBeDeleted"
    assert message.startswith("Route table egress is in use and cannot be deleted.")
    subnet = spoke.subnets.get("rg", "spoke", "aks")
    subnet.route_table = None
    spoke.subnets.begin_create_or_update("rg", "spoke", "aks", subnet).result()
    assert spoke.route_tables.get("rg", "egress").subnets is None
    spoke.route_tables.begin_delete("rg", "egress").result()


def test_data_plane_reads_the_route_table_of_a_subnet(spoke, emu):
    spoke.route_tables.begin_create_or_update("rg", "egress", table(default_route())).result()
    subnet_id = f"{NET}/virtualNetworks/spoke/subnets/aks"
    with emu.store.transaction() as tx:
        assert network_state.route_table_of(tx, subnet_id) is None
    subnet = spoke.subnets.get("rg", "spoke", "aks")
    subnet.route_table = m.SubResource(id=TABLE)
    spoke.subnets.begin_create_or_update("rg", "spoke", "aks", subnet).result()
    with emu.store.transaction() as tx:
        found = network_state.route_table_of(tx, subnet_id)
        assert [r["name"] for r in found["properties"]["routes"]] == ["to-firewall"]
        routes = network_state.subnet_effective_routes(tx, subnet_id)
    active_default = [r for r in routes if r.address_prefix == "0.0.0.0/0" and r.state == "Active"]
    assert [(r.source, r.next_hop_type, r.next_hop_ip) for r in active_default] == [
        ("User", "VirtualAppliance", "10.0.0.4")]
