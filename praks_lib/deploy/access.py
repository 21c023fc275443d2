"""Stage 05: reach the private API server from the hub — DNS link, and a jumpbox without public IP.

The cluster's private DNS zone is linked only to the cluster's VNet; the hub cannot resolve the API
server's name until the zone is linked to the hub VNet too (the step the walkthrough adds last).
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
from azure.mgmt.privatedns.models import SubResource as DnsSubResource
from azure.mgmt.privatedns.models import VirtualNetworkLink
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import Change, converge, require, wait_for
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError

HUB_LINK = "hubnetdnsconfig"  # the walkthrough's link name
UBUNTU = ImageReference(publisher="Canonical", offer="ubuntu-24_04-lts", sku="server", version="latest")


def cluster_dns_zone(clients: Clients, dep: Deployment) -> str:
    """The private DNS zone AKS created for the API server, in the node resource group."""
    zones = list(require(lambda: list(clients.privatedns.private_zones.list_by_resource_group(dep.node_resource_group)),
                         f"node resource group {dep.node_resource_group}", "04_private_aks"))
    if not zones:
        raise StageError(f"no private DNS zone in {dep.node_resource_group}: is aks.private_cluster true? "
                         "Re-run 04_private_aks.")
    return zones[0].name


def ensure_hub_dns_link(clients: Clients, dep: Deployment) -> Change:
    group, zone = dep.node_resource_group, cluster_dns_zone(clients, dep)
    hub_id = resource_id(clients.subscription_id, dep.resource_groups.network, "Microsoft.Network/virtualNetworks",
                         dep.network.hub.name)
    links = clients.privatedns.virtual_network_links

    def desired(current):
        link = copy.deepcopy(current) if current else VirtualNetworkLink(location="global")
        link.tags = {**(link.tags or {}), **dep.tags}
        link.virtual_network = DnsSubResource(id=hub_id)
        link.registration_enabled = False
        return link

    return converge("private DNS link", f"{zone}/{HUB_LINK}", lambda: links.get(group, zone, HUB_LINK), desired,
                    lambda model: wait_for(links.begin_create_or_update(group, zone, HUB_LINK, model),
                                           f"link {HUB_LINK}"))


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

    Without a key in the parameters, the VM gets a key pair made here whose private half is thrown
    away: nobody can log in with a password or a stored key, only through Azure's control plane.
    """
    group, jb = dep.resource_groups.network, dep.jumpbox
    changes = [ensure_jumpbox_nic(clients, dep)]
    nic_id = resource_id(clients.subscription_id, group, "Microsoft.Network/networkInterfaces", _nic_name(dep))
    machines = clients.compute.virtual_machines

    def desired(current):
        if current is not None:  # the OS profile cannot change after creation; keep it as it is
            vm = copy.deepcopy(current)
        else:
            key = jb.ssh_public_key or _throwaway_public_key()
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


def _throwaway_public_key() -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return public.decode() + " praks-throwaway"
