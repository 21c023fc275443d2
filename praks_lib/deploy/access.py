"""Stage 05: reach the private API server from the hub — a jumpbox without public IP (the DNS link that
lets the hub resolve the API server is deploy.api_server_dns.ensure_hub_dns_link).
"""
from __future__ import annotations

import copy

from azure.mgmt.compute.models import (
    HardwareProfile,
    ImageReference,
    LinuxConfiguration,
    ManagedDiskParameters,
    NetworkInterfaceReference,
    NetworkProfile,
    OSDisk,
    OSProfile,
    SshConfiguration,
    SshPublicKey,
    StorageProfile,
    VirtualMachine,
)
from azure.mgmt.network.models import NetworkInterface, NetworkInterfaceIPConfiguration, Subnet

from praks_lib.azure.ids import resource_id
from praks_lib.azure.ssh_keys import keyless_public_key
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, wait_for
from praks_lib.deployment import Deployment

UBUNTU = ImageReference(publisher="Canonical", offer="ubuntu-24_04-lts", sku="server", version="latest")


def _nic_name(dep: Deployment) -> str:
    return f"{dep.jumpbox.name}-nic"


def ensure_jumpbox_nic(clients: Clients, dep: Deployment) -> Change:
    """A NIC in the jumpbox subnet with a private address only."""
    group, hub, name = dep.resource_groups.network, dep.network.hub, _nic_name(dep)
    subnet_id = resource_id(clients.subscription_id, group, "Microsoft.Network/virtualNetworks/subnets",
                            hub.name, hub.jumpbox_subnet.name)
    nics = clients.network.network_interfaces

    def desired(current):
        nic = copy.deepcopy(current) if current else NetworkInterface(location=dep.location)
        nic.tags = {**(nic.tags or {}), **dep.tags}
        configs = nic.ip_configurations or [NetworkInterfaceIPConfiguration(name="ipconfig1")]
        configs[0].subnet = Subnet(id=subnet_id)
        configs[0].private_ip_allocation_method = configs[0].private_ip_allocation_method or "Dynamic"
        nic.ip_configurations = configs
        return nic

    return converge("network interface", name, lambda: nics.get(group, name), desired,
                    lambda model: wait_for(nics.begin_create_or_update(group, name, model), f"NIC {name}"))


def ensure_jumpbox(clients: Clients, dep: Deployment) -> list[Change]:
    """An Ubuntu VM without public IP, reached through run command (or Bastion), never over the internet.

    Without a key in the parameters, the VM gets a public key with no private half (one derived from
    the VM's id, the same on every run): nobody can log in with a password or a key, only through
    Azure's control plane.
    """
    group, jb = dep.resource_groups.network, dep.jumpbox
    changes = [ensure_jumpbox_nic(clients, dep)]
    nic_id = resource_id(clients.subscription_id, group, "Microsoft.Network/networkInterfaces", _nic_name(dep))
    machines = clients.compute.virtual_machines

    def desired(current):
        if current is not None:  # the OS profile cannot change after creation; keep it as it is
            vm = copy.deepcopy(current)
        else:
            key = jb.ssh_public_key or keyless_public_key(_vm_id(clients, dep).lower())
            vm = VirtualMachine(location=dep.location)
            vm.os_profile = OSProfile(computer_name=jb.name, admin_username=jb.admin_username,
                                      linux_configuration=LinuxConfiguration(
                                          disable_password_authentication=True,
                                          ssh=SshConfiguration(public_keys=[SshPublicKey(
                                              path=f"/home/{jb.admin_username}/.ssh/authorized_keys", key_data=key)])))
            vm.storage_profile = StorageProfile(image_reference=UBUNTU, os_disk=OSDisk(
                create_option="FromImage", delete_option="Delete",
                managed_disk=ManagedDiskParameters(storage_account_type="StandardSSD_LRS")))
        vm.tags = {**(vm.tags or {}), **dep.tags}
        vm.hardware_profile = HardwareProfile(vm_size=jb.vm_size)
        vm.network_profile = NetworkProfile(network_interfaces=[NetworkInterfaceReference(id=nic_id)])
        return vm

    changes.append(converge("virtual machine", jb.name, lambda: machines.get(group, jb.name), desired,
                            lambda model: wait_for(machines.begin_create_or_update(group, jb.name, model),
                                                   f"VM {jb.name}")))
    return changes


def _vm_id(clients: Clients, dep: Deployment) -> str:
    return resource_id(clients.subscription_id, dep.resource_groups.network, "Microsoft.Compute/virtualMachines",
                       dep.jumpbox.name)
