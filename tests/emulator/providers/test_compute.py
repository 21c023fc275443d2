"""Virtual machines and VM run command in the emulator, through the real SDK and the runbook's own
code: the jumpbox (no public IP), Compute's checks, the NIC and OS disk it uses, and what the
jumpbox sees of DNS and the network through run command."""

import copy

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute.models import RunCommandInput, VirtualMachine
from azure.mgmt.network import models as net
from azure.mgmt.privatedns import models as dnsm

from praks_lib.deploy.access import ensure_jumpbox, ensure_jumpbox_nic
from praks_lib.deploy.firewall import ensure_firewall_stage
from praks_lib.deploy.network import ensure_network
from praks_lib.emulator import Emulator
from praks_lib.emulator.world import dataplane
from praks_lib.runcommand import on_vm
from praks_lib.validate import _nslookup_addresses

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb1d4nAkTWvqNePcjp2NHTFOOwRR/kfsQGXa5kJmxvo me@laptop"

SCRIPT = "/var/lib/waagent/run-command/download/{n}/script.sh"


@pytest.fixture
def world(clients, dep):
    """Stage 01's networks (hub with the jumpbox subnet, spoke, peerings)."""
    ensure_network(clients, dep)
    return clients


@pytest.fixture
def jumpbox(world, dep):
    ensure_jumpbox(world, dep)
    return world


@pytest.fixture
def emu(tmp_path):
    return Emulator(tmp_path / "cloud")  # the folder tests/conftest.py's clients use


def group(dep):
    return dep.resource_groups.network


def error_of(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.status_code, caught.value.error.code, caught.value.error.message


def vm_body(clients, dep, **changes):
    """The jumpbox's create request (as ensure_jumpbox writes it), with ``changes`` applied to
    its REST JSON at dotted paths."""
    nic_id = clients.network.network_interfaces.get(group(dep), "jumpbox-nic").id
    body = {"location": "westeurope", "properties": {
        "hardwareProfile": {"vmSize": "Standard_B2s"},
        "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                              "sku": "server", "version": "latest"},
                           "osDisk": {"createOption": "FromImage", "deleteOption": "Delete",
                                      "managedDisk": {"storageAccountType": "StandardSSD_LRS"}}},
        "osProfile": {"computerName": "vm2", "adminUsername": "azureuser", "linuxConfiguration": {
            "disablePasswordAuthentication": True,
            "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": ED25519}]}}},
        "networkProfile": {"networkInterfaces": [{"id": nic_id}]}}}
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = body
        for key in parents:
            node = node[key]
        node[leaf] = value
    return VirtualMachine(body)


def create(clients, dep, name, model):
    return clients.compute.virtual_machines.begin_create_or_update(group(dep), name, model).result()


def run(clients, dep, *lines, command_id="RunShellScript"):
    return clients.compute.virtual_machines.begin_run_command(
        group(dep), "jumpbox", RunCommandInput(command_id=command_id, script=list(lines))).result()


# the jumpbox ------------------------------------------------------------------------------


def test_runbook_creates_the_jumpbox_without_public_ip_then_changes_nothing(world, dep):
    first = ensure_jumpbox(world, dep)
    assert [(c.kind, c.action) for c in first] == [("network interface", "created"), ("virtual machine", "created")]
    vm = world.compute.virtual_machines.get(group(dep), "jumpbox")
    assert (vm.provisioning_state, vm.hardware_profile.vm_size, vm.etag) == ("Succeeded", "Standard_B2s", '"1"')
    assert vm.storage_profile.os_disk.name.startswith("jumpbox_OsDisk_1_")
    assert vm.storage_profile.os_disk.managed_disk.id.endswith(f"/disks/{vm.storage_profile.os_disk.name}")
    nic = world.network.network_interfaces.get(group(dep), "jumpbox-nic")
    config = nic.ip_configurations[0]
    assert (config.private_ip_address, config.public_ip_address) == ("10.0.1.4", None)
    assert config.subnet.id.endswith("/virtualNetworks/hub1-firewallvnet/subnets/jumpbox-subnet")
    assert nic.virtual_machine.id == vm.id and nic.primary
    assert list(world.network.public_ip_addresses.list(group(dep))) == []

    again = ensure_jumpbox(world, dep)
    assert {c.action for c in again} == {"unchanged"}
    assert world.compute.virtual_machines.get(group(dep), "jumpbox").as_dict() == vm.as_dict()


def test_re_put_of_the_get_body_is_200_and_changes_nothing(jumpbox, dep, arm_call):
    vm = jumpbox.compute.virtual_machines.get(group(dep), "jumpbox")
    response = arm_call("PUT", vm.id, api_version="2024-07-01", json=vm.as_dict())
    assert response.status_code == 200
    assert response.json()["etag"] == '"1"'
    assert jumpbox.compute.virtual_machines.get(group(dep), "jumpbox").as_dict() == vm.as_dict()
    vm.tags = {**vm.tags, "owner": "ops"}
    updated = create(jumpbox, dep, "jumpbox", vm)
    assert (updated.etag, updated.tags["owner"], updated.vm_id) == ('"2"', "ops", vm.vm_id)


def test_create_is_a_long_running_operation(world, dep, arm_call):
    ensure_jumpbox_nic(world, dep)
    body = vm_body(world, dep).as_dict()
    path = f"/subscriptions/{world.subscription_id}/resourceGroups/{group(dep)}/providers/Microsoft.Compute/virtualMachines/vm2"
    response = arm_call("PUT", path, api_version="2024-07-01", json=body)
    assert response.status_code == 201
    assert response.json()["properties"]["provisioningState"] == "Creating"
    status_url = response.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.Compute/locations/westeurope/operations/" in status_url
    assert "Retry-After" not in response.headers


def test_os_profile_and_image_cannot_change(jumpbox, dep):
    vm = jumpbox.compute.virtual_machines.get(group(dep), "jumpbox")
    changed = copy.deepcopy(vm)
    changed.os_profile.admin_username = "someoneelse"
    assert error_of(lambda: create(jumpbox, dep, "jumpbox", changed)) == (
        409, "PropertyChangeNotAllowed", "Changing property 'osProfile' is not allowed.")
    changed = copy.deepcopy(vm)
    changed.storage_profile.image_reference.sku = "minimal"
    assert error_of(lambda: create(jumpbox, dep, "jumpbox", changed))[1:] == (
        "PropertyChangeNotAllowed", "Changing property 'imageReference' is not allowed.")


# Compute's checks -------------------------------------------------------------------------


@pytest.mark.parametrize("changes, expected", [
    ({"properties__hardwareProfile": {"vmSize": "Standard_Huge"}},
     ("InvalidParameter", "The value Standard_Huge provided for the VM size is not valid.")),
    ({"properties__storageProfile__imageReference": {"publisher": "Canonical", "offer": "UbuntuServer",
                                                     "sku": "99.04-LTS", "version": "latest"}},
     ("InvalidParameter", "The platform image 'Canonical:UbuntuServer:99.04-LTS:latest' is not available.")),
    ({"properties__osProfile__adminUsername": "admin"},
     ("InvalidParameter", "The Admin Username specified is not allowed.")),
    ({"properties__osProfile__adminUsername": "Administrator"},
     ("InvalidParameter", "The Admin Username specified is not allowed.")),
    ({"properties__osProfile__linuxConfiguration": {"disablePasswordAuthentication": True}},
     ("InvalidParameter", "Authentication using either SSH or by user name and password must be enabled "
                          "in Linux profile.")),
    ({"properties__osProfile__linuxConfiguration": {"disablePasswordAuthentication": False}},
     ("InvalidParameter", "Required parameter 'adminPassword' is missing (null).")),
    ({"properties__networkProfile": {"networkInterfaces": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000000"
                                                                  "/resourceGroups/dzpraks1_networks/providers/"
                                                                  "Microsoft.Network/networkInterfaces/ghost"}]}},
     ("NotFound", "The Resource 'Microsoft.Network/networkInterfaces/ghost' under resource group "
                  "'dzpraks1_networks' was not found.")),
])
def test_invalid_requests_fail_like_azure_and_create_nothing(world, dep, changes, expected):
    ensure_jumpbox_nic(world, dep)
    status, code, message = error_of(lambda: create(world, dep, "vm2", vm_body(world, dep, **changes)))
    assert (code, message[:len(expected[1])]) == expected
    assert status == (404 if code == "NotFound" else 400)
    with pytest.raises(ResourceNotFoundError):
        world.compute.virtual_machines.get(group(dep), "vm2")
    nic = world.network.network_interfaces.get(group(dep), "jumpbox-nic")
    assert nic.virtual_machine is None


def test_a_password_alone_is_accepted_and_never_returned(world, dep):
    ensure_jumpbox_nic(world, dep)
    created = create(world, dep, "vm2", vm_body(world, dep, properties__osProfile__adminPassword="S3cret!pass",
                                                properties__osProfile__linuxConfiguration={}))
    assert created.os_profile.admin_password is None
    assert created.os_profile.linux_configuration.disable_password_authentication is False


def test_a_nic_in_another_region_is_refused(world, dep):
    ensure_jumpbox_nic(world, dep)
    hub_subnet = world.network.subnets.get(group(dep), dep.network.hub.name, dep.network.hub.jumpbox_subnet.name)
    world.network.network_interfaces.begin_create_or_update(group(dep), "far-nic", net.NetworkInterface(
        location="northeurope", ip_configurations=[net.NetworkInterfaceIPConfiguration(
            name="ipconfig1", subnet=net.Subnet(id=hub_subnet.id))])).result()
    far = world.network.network_interfaces.get(group(dep), "far-nic")
    body = vm_body(world, dep, properties__networkProfile={"networkInterfaces": [{"id": far.id}]})
    status, code, message = error_of(lambda: create(world, dep, "vm2", body))
    assert (status, code) == (400, "InvalidParameter")
    assert "'northeurope'" in message and "'westeurope'" in message


def test_a_nic_used_by_another_vm_is_refused(jumpbox, dep):
    vm_id = jumpbox.compute.virtual_machines.get(group(dep), "jumpbox").id
    nic_id = jumpbox.network.network_interfaces.get(group(dep), "jumpbox-nic").id
    status, code, message = error_of(lambda: create(jumpbox, dep, "vm2", vm_body(jumpbox, dep)))
    assert (status, code, message) == (400, "NicInUse", f"Network Interface {nic_id} is used by existing VM {vm_id}.")


# delete -----------------------------------------------------------------------------------


def test_delete_releases_the_nic_and_deletes_the_os_disk(jumpbox, dep, emu):
    vm = jumpbox.compute.virtual_machines.get(group(dep), "jumpbox")
    disk_id = vm.storage_profile.os_disk.managed_disk.id
    with emu.store.transaction() as tx:
        assert tx.get(disk_id)["managedBy"] == vm.id
    jumpbox.compute.virtual_machines.begin_delete(group(dep), "jumpbox").result()
    with pytest.raises(ResourceNotFoundError):
        jumpbox.compute.virtual_machines.get(group(dep), "jumpbox")
    nic = jumpbox.network.network_interfaces.get(group(dep), "jumpbox-nic")
    assert (nic.virtual_machine, nic.ip_configurations[0].private_ip_address) == (None, "10.0.1.4")
    with emu.store.transaction() as tx:
        assert tx.get(disk_id) is None
    assert [c.action for c in ensure_jumpbox(jumpbox, dep)] == ["unchanged", "created"]


def test_a_detached_os_disk_stays_and_only_then_can_be_deleted(world, dep, arm_call):
    ensure_jumpbox_nic(world, dep)
    vm = create(world, dep, "vm2", vm_body(world, dep, properties__storageProfile__osDisk={"createOption": "FromImage"}))
    disk_id = vm.storage_profile.os_disk.managed_disk.id
    response = arm_call("DELETE", disk_id, api_version="2024-03-02")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "OperationNotAllowed")
    world.compute.virtual_machines.begin_delete(group(dep), "vm2").result()
    disk = arm_call("GET", disk_id, api_version="2024-03-02").json()
    assert (disk["properties"]["diskState"], "managedBy" in disk) == ("Unattached", False)
    assert arm_call("DELETE", disk_id, api_version="2024-03-02").status_code == 202


# run command ------------------------------------------------------------------------------


def test_run_command_message_is_the_linux_extension_status(jumpbox, dep):
    status = run(jumpbox, dep, "echo hello", "hostname", "cat /etc/resolv.conf", "nosuchtool --x").value[0]
    assert (status.code, status.level, status.display_status) == (
        "ProvisioningState/succeeded", "Info", "Provisioning succeeded")
    assert status.message == ("Enable succeeded: \n[stdout]\nhello\njumpbox\nnameserver 168.63.129.16\n\n"
                              "[stderr]\n" + SCRIPT.format(n=0) + ": line 4: nosuchtool: command not found\n")
    second = run(jumpbox, dep, "nosuchtool").value[0].message
    assert SCRIPT.format(n=1) in second  # the extension's download folder counts the VM's run commands


def test_each_script_line_is_a_command_list_refused_whole_when_bad(jumpbox, dep):
    """A bad line runs nothing and says why, with bash's location; the next line still runs."""
    status = run(jumpbox, dep, "echo 'open", "echo a | cat", "echo next # comment").value[0]
    assert status.message == ("Enable succeeded: \n[stdout]\nnext\n\n[stderr]\n" + SCRIPT.format(n=0)
                              + ": line 1: unexpected EOF while looking for matching `''\n"
                              "praks emulator: '|' (a pipe or background job) is not emulated\n")


def test_on_vm_splits_stdout_and_stderr(jumpbox, dep):
    out = on_vm(jumpbox, dep, "hostname -I\nfalse && echo skipped || echo recovered\nip addr")
    assert (out.exit_code, out.stderr) == (0, "")
    assert out.stdout.startswith("10.0.1.4 \nrecovered\n1: lo:")
    assert "inet 10.0.1.4/24 metric 100 brd 10.0.1.255 scope global eth0" in out.stdout


@pytest.mark.parametrize("command_id, expected", [
    ("RunPowerShellScript", (409, "Conflict", "Run command OS type 'Windows' does not match the target OS Linux.")),
    ("NoSuchCommand", (404, "NotFound", "The entity was not found in this Azure location.")),
])
def test_command_ids_the_linux_vm_cannot_run(jumpbox, dep, command_id, expected):
    assert error_of(lambda: run(jumpbox, dep, "echo hi", command_id=command_id)) == expected


def test_run_command_on_a_missing_vm_is_not_found(world, dep):
    with pytest.raises(ResourceNotFoundError):
        run(world, dep, "hostname")


def test_private_zone_resolves_from_the_jumpbox_only_once_linked_to_the_hub(jumpbox, dep):
    """The 2020 walkthrough's last step: the cluster's zone is linked to the spoke; the hub's
    jumpbox gets NXDOMAIN until the zone is linked to the hub too."""
    zone, fqdn = "privatelink.westeurope.azmk8s.io", "dzpraks1-abc123.privatelink.westeurope.azmk8s.io"
    dns = jumpbox.privatedns
    dns.private_zones.begin_create_or_update(group(dep), zone, dnsm.PrivateZone(location="global")).result()
    dns.record_sets.create_or_update(group(dep), zone, "A", "dzpraks1-abc123", dnsm.RecordSet(
        ttl=300, a_records=[dnsm.ARecord(ipv4_address="10.0.5.4")]))

    def link(name, vnet):
        vnet_id = jumpbox.network.virtual_networks.get(group(dep), vnet).id
        dns.virtual_network_links.begin_create_or_update(group(dep), zone, name, dnsm.VirtualNetworkLink(
            location="global", virtual_network=dnsm.SubResource(id=vnet_id), registration_enabled=False)).result()

    link("spoke", dep.network.spoke.name)
    before = on_vm(jumpbox, dep, f"nslookup {fqdn}")
    assert f"** server can't find {fqdn}: NXDOMAIN" in before.stdout
    assert _nslookup_addresses(before.stdout) == []

    link("hubnetdnsconfig", dep.network.hub.name)
    after = on_vm(jumpbox, dep, f"nslookup {fqdn}")
    assert after.stdout == ("Server:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n\nNon-authoritative answer:\n"
                            f"Name:\t{fqdn}\nAddress: 10.0.5.4\n\n")
    assert _nslookup_addresses(after.stdout) == ["10.0.5.4"]


def test_without_a_route_the_jumpbox_reaches_the_internet_directly(jumpbox, dep, emu):
    """The jumpbox subnet has no route table: its traffic bypasses the firewall (what the data
    plane calls Direct), and curl shows the site's page."""
    ensure_firewall_stage(jumpbox, dep)
    outcome = dataplane.send(emu, "10.0.1.4", "batman.com", 80, "HTTP")
    assert outcome.action == "Direct" and outcome.route.next_hop_type == "Internet"
    out = on_vm(jumpbox, dep, "curl -s -m 5 http://batman.com")
    assert (out.exit_code, out.stderr) == (0, "")
    assert "<h1>batman.com</h1>" in out.stdout


def test_through_the_firewall_the_jumpbox_gets_its_verdict(jumpbox, dep, emu):
    """With 0.0.0.0/0 → firewall on the jumpbox subnet, the firewall judges its traffic; its rules
    name the AKS subnet only, so the jumpbox is denied what a node may fetch."""
    ensure_firewall_stage(jumpbox, dep)
    firewall_ip = jumpbox.network.azure_firewalls.get(group(dep), dep.firewall.name).ip_configurations[0].private_ip_address
    jumpbox.network.route_tables.begin_create_or_update(group(dep), "jumpbox-rt", net.RouteTable(
        location="westeurope", routes=[net.Route(name="all-to-firewall", address_prefix="0.0.0.0/0",
                                                 next_hop_type="VirtualAppliance",
                                                 next_hop_ip_address=firewall_ip)])).result()
    hub, subnet_name = dep.network.hub, dep.network.hub.jumpbox_subnet.name
    subnet = jumpbox.network.subnets.get(group(dep), hub.name, subnet_name)
    subnet.route_table = net.RouteTable(id=jumpbox.network.route_tables.get(group(dep), "jumpbox-rt").id)
    jumpbox.network.subnets.begin_create_or_update(group(dep), hub.name, subnet_name, subnet).result()

    expected = dataplane.send(emu, "10.0.1.4", "batman.com", 80, "HTTP")
    assert (expected.action, expected.status) == ("Deny", 470)
    plain = on_vm(jumpbox, dep, "curl -s -m 5 http://batman.com")
    assert plain.stdout == expected.body
    tls = on_vm(jumpbox, dep, "curl -sS -m 5 https://batman.com")
    assert tls.exit_code == 1 and tls.stdout == ""
    assert tls.stderr == "curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to batman.com:443"
