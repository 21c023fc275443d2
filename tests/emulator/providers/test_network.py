"""Virtual networks, subnets, peerings and public IPs through the real NetworkManagementClient."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import models as m
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.emulator.providers.network.vnets import VNETS

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"


def vnet(prefixes, subnets=(), location="westeurope", tags=None):
    return m.VirtualNetwork(
        location=location, tags=tags, address_space=m.AddressSpace(address_prefixes=list(prefixes)),
        subnets=[m.Subnet(name=name, address_prefix=prefix) for name, prefix in subnets])


def create_vnet(network, name, prefixes, subnets=()):
    return network.virtual_networks.begin_create_or_update("rg", name, vnet(prefixes, subnets)).result()


def error_of(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value


def test_put_is_201_then_200_and_idempotent(arm_call, emu, group):
    body = {"location": "westeurope", "tags": {"praks-deployment": "x"},
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    path = SUB + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
    first = arm_call("PUT", path, api_version="2025-07-01", json=body)
    second = arm_call("PUT", path, api_version="2025-07-01", json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["etag"] == second.json()["etag"]
    assert first.json()["tags"] == {"praks-deployment": "x"}
    assert "/providers/Microsoft.Network/locations/westeurope/operations/" in \
        first.headers["Azure-AsyncOperation"]
    changed = arm_call("PUT", path, api_version="2025-07-01",
                  json={**body, "tags": {"praks-deployment": "y"}})
    assert changed.status_code == 200 and changed.json()["etag"] != first.json()["etag"]


def test_operation_polls_answer_status_without_retry_after(arm_call, emu, group):
    path = SUB + "/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip"
    put = arm_call("PUT", path, api_version="2025-07-01",
              json={"location": "westeurope", "sku": {"name": "Standard"}})
    poll = emu.transport().session.get(put.headers["Azure-AsyncOperation"],
                                       headers={"Authorization": "Bearer " + emu.credential.get_token().token})
    assert poll.json() == {"status": "Succeeded"}
    assert "Retry-After" not in poll.headers


def test_long_running_operation_takes_the_types_polls(arm_call, emu, group, network, monkeypatch):
    monkeypatch.setattr(VNETS, "polls", 3)
    path = SUB + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
    put = arm_call("PUT", path, api_version="2025-07-01", json={
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    assert put.json()["properties"]["provisioningState"] == "Updating"
    session, token = emu.transport().session, emu.credential.get_token().token
    states = []
    for _ in range(4):
        poll = session.get(put.headers["Azure-AsyncOperation"], headers={"Authorization": "Bearer " + token})
        states.append(poll.json()["status"])
        assert "Retry-After" not in poll.headers
    assert states == ["InProgress", "InProgress", "InProgress", "Succeeded"]
    assert network.virtual_networks.get("rg", "hub").provisioning_state == "Succeeded"
    # the SDK's poller waits through the polls without sleeping
    spoke = network.virtual_networks.begin_create_or_update("rg", "spoke", vnet(["10.1.0.0/16"])).result()
    assert spoke.provisioning_state == "Succeeded"


def test_vnet_with_inline_subnets_agrees_with_subnet_get(network, group):
    created = create_vnet(network, "hub", ["10.0.0.0/16"],
                          [("AzureFirewallSubnet", "10.0.1.0/26"), ("jumpbox", "10.0.2.0/24")])
    assert [s.name for s in created.subnets] == ["AzureFirewallSubnet", "jumpbox"]
    subnet = network.subnets.get("rg", "hub", "jumpbox")
    assert subnet.address_prefix == "10.0.2.0/24"
    assert subnet.id == created.subnets[1].id
    assert created.resource_guid == network.virtual_networks.get("rg", "hub").resource_guid


def test_subnet_child_put_shows_in_vnet_and_vnet_put_replaces_subnets(network, group):
    create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])
    network.subnets.begin_create_or_update("rg", "hub", "b", m.Subnet(address_prefix="10.0.2.0/24")).result()
    assert [s.name for s in network.virtual_networks.get("rg", "hub").subnets] == ["a", "b"]
    assert [s.name for s in network.subnets.list("rg", "hub")] == ["a", "b"]
    create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])  # PUT without "b"
    with pytest.raises(ResourceNotFoundError):
        network.subnets.get("rg", "hub", "b")


def test_get_modify_put_of_a_vnet_keeps_everything(network, group):
    create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])
    current = network.virtual_networks.get("rg", "hub")
    current.subnets.append(m.Subnet(name="b", address_prefix="10.0.2.0/24"))
    updated = network.virtual_networks.begin_create_or_update("rg", "hub", current).result()
    assert [s.name for s in updated.subnets] == ["a", "b"]


@pytest.mark.parametrize("prefix, code, message", [
    ("10.1.0.0/24", "NetcfgSubnetRangeOutsideVnet",
     "Subnet 'b' is not valid because its IP address range is outside the IP address range of "
     "virtual network 'hub'."),
    ("10.0.1.128/25", "NetcfgSubnetRangesOverlap",
     "Subnet 'b' is not valid because its IP address range overlaps with that of an existing subnet "
     "in virtual network 'hub'."),
    ("10.0.2.1/24", "InvalidCIDRNotation", None),
    ("10.0.2.0/33", "NetcfgInvalidSubnet", None),
])
def test_subnet_validation_uses_azure_codes(network, group, prefix, code, message):
    create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])
    error = error_of(lambda: network.subnets.begin_create_or_update(
        "rg", "hub", "b", m.Subnet(address_prefix=prefix)).result())
    assert error.status_code == 400
    assert error.error.code == code
    if message:
        assert error.error.message == message
    assert [s.name for s in network.subnets.list("rg", "hub")] == ["a"]  # nothing created


def test_vnet_validation_of_inline_subnets_and_address_space(network, group):
    error = error_of(lambda: create_vnet(network, "hub", ["10.0.0.0/16"],
                                         [("a", "10.0.1.0/24"), ("b", "10.0.1.0/25")]))
    assert error.error.code == "NetcfgSubnetRangesOverlap"
    error = error_of(lambda: create_vnet(network, "hub", ["10.0.0/16"]))
    assert error.error.code == "InvalidAddressPrefixFormat"
    create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])
    error = error_of(lambda: create_vnet(network, "hub", ["10.9.0.0/16"], [("a", "10.0.1.0/24")]))
    assert error.error.code == "NetcfgSubnetRangeOutsideVnet"
    assert network.virtual_networks.get("rg", "hub").address_space.address_prefixes == ["10.0.0.0/16"]


def test_location_and_group_are_required(network, resources, group):
    error = error_of(lambda: network.virtual_networks.begin_create_or_update(
        "rg", "hub", m.VirtualNetwork(address_space=m.AddressSpace(address_prefixes=["10.0.0.0/16"]))))
    assert error.error.code == "LocationRequired"
    error = error_of(lambda: network.virtual_networks.begin_create_or_update(
        "missing-rg", "hub", vnet(["10.0.0.0/16"])))
    assert (error.status_code, error.error.code) == (404, "ResourceGroupNotFound")
    assert error.error.message == "Resource group 'missing-rg' could not be found."


def test_missing_resources_are_404_and_delete_of_missing_is_204(arm_call, emu, network, group):
    error = error_of(lambda: network.virtual_networks.get("rg", "nope"))
    assert error.status_code == 404 and error.error.code == "ResourceNotFound"
    assert error.error.message.startswith(
        "The Resource 'Microsoft.Network/virtualNetworks/nope' under resource group 'rg' was not found.")
    path = SUB + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/nope"
    assert arm_call("DELETE", path, api_version="2025-07-01").status_code == 204
    network.virtual_networks.begin_delete("rg", "nope").result()


def test_delete_is_202_with_operation_and_location(arm_call, emu, network, group):
    create_vnet(network, "hub", ["10.0.0.0/16"])
    path = SUB + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
    answer = arm_call("DELETE", path, api_version="2025-07-01")
    assert answer.status_code == 202
    assert "/operationResults/" in answer.headers["Location"]
    assert "/operations/" in answer.headers["Azure-AsyncOperation"]


def test_subnet_in_use_cannot_be_deleted(emu, network, group):
    create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])
    subnet_id = network.subnets.get("rg", "hub", "a").id
    # a later provider (firewall, NIC) records its IP configuration on the subnet like this:
    with emu.store.transaction() as tx:
        body = tx.get(subnet_id)
        body["properties"]["ipConfigurations"] = [{"id": "/subscriptions/x/ipConfigurations/fw"}]
        tx.put(subnet_id, body, type="Microsoft.Network/virtualNetworks/subnets",
               scope=subnet_id.split("/providers/")[0], parent=subnet_id.rsplit("/subnets/", 1)[0])
    error = error_of(lambda: network.subnets.begin_delete("rg", "hub", "a").result())
    assert error.error.code == "InUseSubnetCannotBeDeleted"
    error = error_of(lambda: create_vnet(network, "hub", ["10.0.0.0/16"]))
    assert error.error.code == "InUseSubnetCannotBeDeleted"
    again = network.subnets.begin_create_or_update(
        "rg", "hub", "a", m.Subnet(address_prefix="10.0.1.0/24")).result()
    assert again.ip_configurations[0].id == "/subscriptions/x/ipConfigurations/fw"


def peer(network, local, name, remote_id):
    return network.virtual_network_peerings.begin_create_or_update(
        "rg", local, name, m.VirtualNetworkPeering(remote_virtual_network=m.SubResource(id=remote_id),
                                                   allow_forwarded_traffic=True)).result()


def test_peering_is_initiated_then_connected_then_disconnected(network, group):
    hub = create_vnet(network, "hub", ["10.0.0.0/16"])
    spoke = create_vnet(network, "spoke", ["10.1.0.0/16"])
    first = peer(network, "hub", "hub-to-spoke", spoke.id)
    assert first.peering_state == "Initiated"
    assert first.remote_address_space.address_prefixes == ["10.1.0.0/16"]
    second = peer(network, "spoke", "spoke-to-hub", hub.id)
    assert second.peering_state == "Connected"
    assert network.virtual_network_peerings.get("rg", "hub", "hub-to-spoke").peering_state == "Connected"
    assert network.virtual_networks.get("rg", "hub").virtual_network_peerings[0].peering_state == "Connected"
    assert second.peering_sync_level == "FullyInSync"
    network.virtual_network_peerings.begin_delete("rg", "spoke", "spoke-to-hub").result()
    assert network.virtual_network_peerings.get("rg", "hub", "hub-to-spoke").peering_state == "Disconnected"


def test_overlapping_networks_cannot_be_peered(network, group):
    hub = create_vnet(network, "hub", ["10.0.0.0/16"])
    create_vnet(network, "spoke", ["10.0.128.0/17"])
    error = error_of(lambda: peer(network, "spoke", "spoke-to-hub", hub.id))
    assert error.error.code == "VnetAddressSpacesOverlap"
    spoke_id = network.virtual_networks.get('rg', 'spoke').id
    assert error.error.message == (
        f"Cannot create or update peering {spoke_id}/virtualNetworkPeerings/spoke-to-hub. Virtual networks "
        f"{spoke_id} and {hub.id} cannot be peered because their address spaces overlap. "
        f"Overlapping address prefixes: 10.0.128.0/17, 10.0.0.0/16")


def test_peering_to_a_missing_network_is_refused(network, group):
    create_vnet(network, "hub", ["10.0.0.0/16"])
    missing = SUB + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/ghost"
    error = error_of(lambda: peer(network, "hub", "hub-to-ghost", missing))
    assert error.error.code == "InvalidResourceReference"


def test_public_ip_is_standard_static_and_deterministic(network, group, emu):
    pip = network.public_ip_addresses.begin_create_or_update(
        "rg", "fw-pip", m.PublicIPAddress(location="westeurope", sku=m.PublicIPAddressSku(name="Standard"),
                                          public_ip_allocation_method="Static", tags={"t": "1"})).result()
    assert pip.sku.name == "Standard" and pip.public_ip_allocation_method == "Static"
    assert pip.ip_address.startswith(("203.0.113.", "198.51.100."))
    assert pip.tags == {"t": "1"}
    emu.reset()
    ResourceManagementClient(emu.credential, emu.subscription_id, transport=emu.transport()) \
        .resource_groups.create_or_update("rg", {"location": "westeurope"})
    again = network.public_ip_addresses.begin_create_or_update(
        "rg", "fw-pip", m.PublicIPAddress(location="westeurope",
                                          sku=m.PublicIPAddressSku(name="Standard"))).result()
    assert again.ip_address == pip.ip_address


def test_public_ip_basic_and_dynamic_are_refused(network, group):
    error = error_of(lambda: network.public_ip_addresses.begin_create_or_update(
        "rg", "ip", m.PublicIPAddress(location="westeurope")).result())
    assert error.error.code == "IPv4BasicSkuPublicIpCountLimitReached"
    error = error_of(lambda: network.public_ip_addresses.begin_create_or_update(
        "rg", "ip", m.PublicIPAddress(location="westeurope", sku=m.PublicIPAddressSku(name="Standard"),
                                      public_ip_allocation_method="Dynamic")).result())
    assert error.error.code == "StandardSkuPublicIPAddressesMustBeStatic"
    assert list(network.public_ip_addresses.list("rg")) == []


def test_resource_group_delete_cascades(network, resources, group):
    hub = create_vnet(network, "hub", ["10.0.0.0/16"], [("a", "10.0.1.0/24")])
    resources.resource_groups.create_or_update("other", {"location": "westeurope"})
    spoke = network.virtual_networks.begin_create_or_update(
        "other", "spoke", vnet(["10.1.0.0/16"])).result()
    network.virtual_network_peerings.begin_create_or_update(
        "other", "spoke", "spoke-to-hub", m.VirtualNetworkPeering(
            remote_virtual_network=m.SubResource(id=hub.id))).result()
    network.public_ip_addresses.begin_create_or_update(
        "rg", "ip", m.PublicIPAddress(location="westeurope", sku=m.PublicIPAddressSku(name="Standard"))).result()
    assert len(list(resources.resources.list_by_resource_group("rg"))) == 2
    resources.resource_groups.begin_delete("rg").result()
    assert not resources.resource_groups.check_existence("rg")
    assert [v.name for v in network.virtual_networks.list_all()] == ["spoke"]
    assert list(network.public_ip_addresses.list_all()) == []
    assert network.virtual_network_peerings.get("other", "spoke", "spoke-to-hub").peering_state == "Disconnected"
    resources.resource_groups.create_or_update("rg", {"location": "westeurope"})
    with pytest.raises(ResourceNotFoundError):
        network.subnets.get("rg", "hub", "a")
    assert list(resources.resources.list_by_resource_group("rg")) == []  # a group of that name starts empty
    assert network.virtual_networks.get("other", "spoke").id == spoke.id  # the other group is untouched


def test_resource_group_rules(resources, group):
    error = error_of(lambda: resources.resource_groups.create_or_update("rg", {"location": "eastus"}))
    assert (error.status_code, error.error.code) == (409, "InvalidResourceGroupLocation")
    error = error_of(lambda: resources.resource_groups.begin_delete("nope").result())
    assert error.error.code == "ResourceGroupNotFound"
    tagged = resources.resource_groups.create_or_update("rg", {"location": "westeurope",
                                                              "tags": {"praks-deployment": "d1"}})
    assert tagged.tags == {"praks-deployment": "d1"}
    listed = resources.resource_groups.list(filter="tagName eq 'praks-deployment' and tagValue eq 'd1'")
    assert [g.name for g in listed] == ["rg"]
    assert list(resources.resource_groups.list(filter="tagName eq 'praks-deployment' and tagValue eq 'x'")) == []
