"""Compute's virtual machine scale sets, as AKS builds them in a cluster's node resource group.

AKS creates the node pool's scale set (``containerservice.node_group.scale_set``); the API serves its
reads: the scale set itself, its instances (``…/virtualMachines``, one per node, named as the nodes
are) and their network interfaces (``…/networkInterfaces``, the Network API on the Compute path), so
a live diagram finds the nodes' addresses offline as on Azure. Writing a scale set is AKS's business:
no PUT is served.
"""

from __future__ import annotations

from http import HTTPStatus

from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, require
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.world.kubernetes.cluster import vmss_instance
from praks_lib.emulator.world.network_state import NIC_TYPE

VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
INSTANCE_TYPE = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"

routes = ArmRoutes()


class VirtualMachineScaleSets(ResourceType):
    type = VMSS_TYPE


SCALE_SETS = routes.resource(VirtualMachineScaleSets(), creatable=False)
SCALE_SET = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
             "Microsoft.Compute/virtualMachineScaleSets/{name0}")


def _instance_nics(call: Call, vmss: dict) -> list[dict]:
    prefix = vmss["id"].lower() + "/virtualmachines/"
    scope = vmss["id"].split("/providers/")[0]
    return [nic for nic in call.tx.list(NIC_TYPE, scope) if nic["id"].lower().startswith(prefix)]


@routes.get(SCALE_SET + "/virtualMachines")
def list_instances(call: Call) -> Response:
    vmss = require(call, SCALE_SETS.resource_id(call))
    instances = []
    for index in range(vmss["sku"]["capacity"]):
        instance_id = f"{vmss['id']}/virtualMachines/{index}"
        nics = [{"id": nic["id"]} for nic in _instance_nics(call, vmss) if nic["id"].lower().startswith(
            instance_id.lower() + "/")]
        instances.append({"id": instance_id, "name": f"{vmss['name']}_{index}", "instanceId": str(index),
                          "type": INSTANCE_TYPE, "location": vmss["location"], "sku": vmss["sku"],
                          "properties": {"provisioningState": "Succeeded", "latestModelApplied": True,
                                         "osProfile": {"computerName": vmss["name"] + vmss_instance(index)},
                                         "networkProfile": {"networkInterfaces": nics}}})
    return Response(HTTPStatus.OK, {"value": instances})


@routes.get(SCALE_SET + "/networkInterfaces")
def list_instance_network_interfaces(call: Call) -> Response:
    return Response(HTTPStatus.OK, {"value": _instance_nics(call, require(call, SCALE_SETS.resource_id(call)))})
