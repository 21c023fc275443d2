"""A NIC attached to a VM cannot be deleted (Azure's NicInUse); once the VM is gone it can."""
import pytest
from azure.core.exceptions import HttpResponseError

from praks_lib.deploy.access import ensure_jumpbox
from praks_lib.deploy.network import ensure_network


def test_a_nic_attached_to_a_vm_is_refused_until_the_vm_is_deleted(clients, dep):
    ensure_network(clients, dep)
    ensure_jumpbox(clients, dep)
    group = dep.resource_groups.network
    vm_id = clients.compute.virtual_machines.get(group, dep.jumpbox.name).id
    nic_id = clients.network.network_interfaces.get(group, "jumpbox-nic").id
    with pytest.raises(HttpResponseError) as refused:
        clients.network.network_interfaces.begin_delete(group, "jumpbox-nic").result()
    error = refused.value
    assert (error.status_code, error.error.code, error.error.message) == (
        400, "NicInUse", f"Network Interface {nic_id} is used by existing VM {vm_id}.")
    assert clients.network.network_interfaces.get(group, "jumpbox-nic").virtual_machine.id == vm_id
    clients.compute.virtual_machines.begin_delete(group, dep.jumpbox.name).result()
    clients.network.network_interfaces.begin_delete(group, "jumpbox-nic").result()
    assert [n.name for n in clients.network.network_interfaces.list(group)] == []
