"""Private DNS zones, record sets and links through azure-mgmt-privatedns; per-VNet resolution."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.privatedns.models import ARecord, PrivateZone, RecordSet, SubResource, VirtualNetworkLink

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import ArmError
from praks_lib.emulator.platform.router import Call, Request
from praks_lib.emulator.providers import privatedns
from praks_lib.emulator.world import azure_dns
from praks_lib.firewall import resolve as public_resolve

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
NET = SUB + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/"
HUB, SPOKE = NET + "hub", NET + "spoke"
ZONE = "3eb3a3dc-1b7c-4bd6-9e32-7a9a8b5f0c11.privatelink.westeurope.azmk8s.io"
API_SERVER = "dzpraks1-5abd81." + ZONE


@pytest.fixture
def dns_client(emu):
    return PrivateDnsManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())


@pytest.fixture
def vnets(network, group):
    for name, prefix in (("hub", "10.0.0.0/22"), ("spoke", "10.0.4.0/22")):
        network.virtual_networks.begin_create_or_update("rg", name, {
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": [prefix]}}}).result()


def make_zone(dns_client, name=ZONE, group="rg"):
    return dns_client.private_zones.begin_create_or_update(group, name, PrivateZone(location="global")).result()


def link(dns_client, vnet_id, name="link", zone=ZONE, group="rg", **kwargs):
    body = VirtualNetworkLink(location="global", virtual_network=SubResource(id=vnet_id),
                              registration_enabled=False, **kwargs)
    return dns_client.virtual_network_links.begin_create_or_update(group, zone, name, body).result()


def a_record(dns_client, name, address, zone=ZONE):
    return dns_client.record_sets.create_or_update(
        "rg", zone, "A", name, RecordSet(ttl=300, a_records=[ARecord(ipv4_address=address)]))


def test_zone_is_global_with_soa_and_counts(dns_client, group):
    zone = make_zone(dns_client)
    assert zone.location == "global" and zone.provisioning_state == "Succeeded"
    assert zone.number_of_record_sets == 1 and zone.number_of_virtual_network_links == 0
    [soa] = dns_client.record_sets.list("rg", ZONE)
    assert soa.name == "@" and soa.type == "Microsoft.Network/privateDnsZones/SOA"
    assert soa.soa_record.host == "azureprivatedns.net" and soa.fqdn == ZONE + "."
    assert [z.name for z in dns_client.private_zones.list_by_resource_group("rg")] == [ZONE]
    assert [z.name for z in dns_client.private_zones.list()] == [ZONE]


def test_zone_location_must_be_global(dns_client, group):
    with pytest.raises(HttpResponseError) as error:
        dns_client.private_zones.begin_create_or_update("rg", "contoso.internal", PrivateZone(location="westeurope"))
    assert error.value.error.code == "LocationNotAvailableForResourceType"
    assert "'Microsoft.Network/privateDnsZones'" in error.value.error.message
    assert list(dns_client.private_zones.list_by_resource_group("rg")) == []


def test_a_record_set(dns_client, group):
    make_zone(dns_client)
    record = a_record(dns_client, "DZPRAKS1-5abd81", "10.0.5.4")
    assert record.name == "dzpraks1-5abd81" and record.fqdn == API_SERVER + "."
    assert record.a_records[0].ipv4_address == "10.0.5.4" and record.is_auto_registered is False
    assert dns_client.record_sets.get("rg", ZONE, "A", "dzpraks1-5abd81").ttl == 300
    assert [r.name for r in dns_client.record_sets.list_by_type("rg", ZONE, "A")] == ["dzpraks1-5abd81"]
    assert dns_client.private_zones.get("rg", ZONE).number_of_record_sets == 2
    with pytest.raises(HttpResponseError, match="not valid"):
        a_record(dns_client, "bad", "10.0.5.300")
    with pytest.raises(ResourceNotFoundError):
        a_record(dns_client, "x", "10.0.0.1", zone="missing.zone")


def test_link(dns_client, vnets):
    make_zone(dns_client)
    created = link(dns_client, SPOKE)
    assert created.virtual_network_link_state == "Completed" and created.provisioning_state == "Succeeded"
    assert created.registration_enabled is False and created.location == "global"
    assert dns_client.private_zones.get("rg", ZONE).number_of_virtual_network_links == 1
    assert [link.name for link in dns_client.virtual_network_links.list("rg", ZONE)] == ["link"]


def test_link_to_missing_vnet(dns_client, vnets):
    make_zone(dns_client)
    with pytest.raises(HttpResponseError) as error:
        link(dns_client, NET + "nope")
    assert error.value.error.code == "BadRequest"
    assert error.value.error.message == f"Virtual network resource not found for '{NET}nope'"
    assert list(dns_client.virtual_network_links.list("rg", ZONE)) == []


def test_vnet_cannot_link_two_zones_with_one_name(resources, dns_client, vnets):
    resources.resource_groups.create_or_update("other", {"location": "westeurope"})
    make_zone(dns_client)
    make_zone(dns_client, group="other")
    link(dns_client, HUB)
    with pytest.raises(HttpResponseError) as error:
        link(dns_client, HUB, group="other")
    assert error.value.error.code == "BadRequest"
    assert error.value.error.message == (
        "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried "
        f"to link virtual network with '{ZONE}' and '{ZONE}' zones.")
    with pytest.raises(HttpResponseError, match="overlapping namespaces"):
        link(dns_client, HUB, name="second-link")
    link(dns_client, HUB)  # re-sending the same link is fine


def test_hub_resolves_the_api_server_only_after_linking(emu, dns_client, vnets):
    """The walkthrough's last step: link the cluster's zone to the hub."""
    make_zone(dns_client)
    a_record(dns_client, "dzpraks1-5abd81", "10.0.5.4")
    link(dns_client, SPOKE, name="dzpraks1-5abd81-3eb3a3dc")
    with emu.store.transaction() as tx:
        assert azure_dns.resolve(tx, API_SERVER, SPOKE + "/subnets/aks") == ["10.0.5.4"]
        assert azure_dns.resolve(tx, API_SERVER, HUB) == []  # NXDOMAIN
        assert azure_dns.nslookup(tx, API_SERVER, HUB) == (
            "Server:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n\n"
            f"** server can't find {API_SERVER}: NXDOMAIN\n\n")
    link(dns_client, HUB, name="hubnetdnsconfig")
    with emu.store.transaction() as tx:
        assert azure_dns.resolve(tx, API_SERVER + ".", HUB) == ["10.0.5.4"]
        assert azure_dns.nslookup(tx, API_SERVER, HUB) == (
            "Server:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n\nNon-authoritative answer:\n"
            f"Name:\t{API_SERVER}\nAddress: 10.0.5.4\n\n")


def test_linked_zone_without_the_name_is_nxdomain(emu, dns_client, vnets):
    make_zone(dns_client, name="contoso.com")
    link(dns_client, HUB, zone="contoso.com")
    with emu.store.transaction() as tx:
        assert azure_dns.resolve(tx, "www.contoso.com", HUB) == []
        assert azure_dns.resolve(tx, "www.contoso.com", SPOKE) == public_resolve("www.contoso.com")
    link(dns_client, HUB, zone="contoso.com", resolution_policy="NxDomainRedirect")
    with emu.store.transaction() as tx:
        assert azure_dns.resolve(tx, "www.contoso.com", HUB) == public_resolve("www.contoso.com")


def test_longest_zone_wins_and_cnames_are_followed(emu, dns_client, vnets):
    make_zone(dns_client, name="contoso.com")
    make_zone(dns_client, name="eu.contoso.com")
    link(dns_client, HUB, zone="contoso.com")
    link(dns_client, HUB, zone="eu.contoso.com")
    a_record(dns_client, "api", "10.0.1.10", zone="eu.contoso.com")
    dns_client.record_sets.create_or_update("rg", "contoso.com", "CNAME", "api", {
        "properties": {"ttl": 60, "cnameRecord": {"cname": "api.eu.contoso.com"}}})
    with emu.store.transaction() as tx:
        assert azure_dns.resolve(tx, "api.eu.contoso.com", HUB) == ["10.0.1.10"]
        assert azure_dns.nslookup(tx, "api.contoso.com", HUB).endswith(
            "Non-authoritative answer:\napi.contoso.com\tcanonical name = api.eu.contoso.com.\n"
            "Name:\tapi.eu.contoso.com\nAddress: 10.0.1.10\n\n")


def test_public_names_resolve_offline_and_private_cluster_names_do_not(emu, group, vnets):
    with emu.store.transaction() as tx:
        assert azure_dns.resolve(tx, "www.ubuntu.com", HUB) == public_resolve("www.ubuntu.com")
        assert azure_dns.resolve(tx, API_SERVER, HUB) == []
        assert azure_dns.resolve(tx, "not a name", HUB) == []


def test_helpers_for_the_cluster_provider(emu, vnets):
    zone = ResourceId.parse(SUB + "/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/" + ZONE)
    with emu.store.transaction() as tx:
        call = Call(Request("PUT", "management.azure.com", "/", {}, {}), {}, tx, emu.subscription_id)
        privatedns.ensure_zone(call, zone)
        privatedns.set_a_record(call, zone, "dzpraks1-5abd81", ["10.0.5.4"])
        privatedns.link_virtual_network(call, zone, "spoke-link", SPOKE)
        assert privatedns.overlapping_zone(tx, ZONE, SPOKE) == str(zone)
        assert privatedns.overlapping_zone(tx, ZONE, HUB) is None
        with pytest.raises(ArmError, match="overlapping namespaces"):
            privatedns.link_virtual_network(call, zone, "again", SPOKE)
        assert azure_dns.resolve(tx, API_SERVER, SPOKE) == ["10.0.5.4"]
