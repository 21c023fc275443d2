"""Compute's virtual machines and OS disks as ARM resource types, and what they do to others.

A VM's network interfaces show it (``virtualMachine.id``, ``primary``, a MAC address) and are
released or deleted with it; its OS disk is created with it and deleted or left ``Unattached``.
"""

from __future__ import annotations

from http import HTTPStatus

from praks_lib.azure import linux_vms
from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import ArmError
from praks_lib.emulator.platform.arm.registry import resource_type_of
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, etag_of
from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.providers.compute.validation import (
    DISK_TYPE,
    check_size,
    default_security,
    linux_os_profile,
    network_profile,
    region_of,
    storage_profile,
)
from praks_lib.emulator.world.network_state import NIC_TYPE

NAMESPACE = "Microsoft.Compute"
VM_TYPE = "Microsoft.Compute/virtualMachines"
# Fixed creation time: Azure has one, notebook outputs must not change from run to run.
TIME_CREATED = "2025-01-01T00:00:00.0000000+00:00"
DISK_ATTACHED = "Disk {name} is attached to VM {vm}."

routes = ArmRoutes()


class VirtualMachines(ResourceType):
    type = VM_TYPE
    polls = 1
    in_progress_state = "Creating"

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        before = (existing or {}).get("properties", {})
        hardware = properties.get("hardwareProfile") or before.get("hardwareProfile") or {}
        check_size(hardware.get("vmSize"))
        storage = storage_profile(rid, properties.get("storageProfile"), before.get("storageProfile"),
                                  request["location"])
        os_profile = linux_os_profile(properties.get("osProfile"), before.get("osProfile"))
        network = network_profile(call, rid, properties.get("networkProfile") or before.get("networkProfile"),
                                  request["location"])
        built = {
            "hardwareProfile": {"vmSize": hardware["vmSize"]},
            "storageProfile": storage,
            "osProfile": os_profile,
            "networkProfile": network,
            "securityProfile": properties.get("securityProfile") or before.get("securityProfile")
            or default_security(storage["imageReference"]),
            "vmId": stable_uuid(str(rid), "vmId"),
            "timeCreated": before.get("timeCreated", TIME_CREATED),
        }
        for optional in ("diagnosticsProfile", "priority", "licenseType"):
            if optional in properties:
                built[optional] = properties[optional]
        result = {"location": request["location"], "properties": built}
        if request.get("tags"):
            result["tags"] = request["tags"]
        for optional in ("zones", "identity", "plan"):
            if optional in request:
                result[optional] = request[optional]
        return result

    def with_arm_fields(self, rid, body, existing):
        """Compute's etags count the VM's versions: "1", then one more per change."""
        resource = super().with_arm_fields(rid, body, existing)
        if existing is None:
            resource["etag"] = '"1"'
        elif _content(existing) == _content(resource):
            resource["etag"] = existing["etag"]
        else:
            resource["etag"] = f'"{int(existing["etag"].strip(chr(34))) + 1}"'
        return resource

    def after_write(self, call, rid, stored, request):
        attach_network_interfaces(call, stored)
        ensure_os_disk(call, stored)

    def after_delete(self, call, rid, stored):
        release_network_interfaces(call, stored)
        release_os_disk(call, stored)


def _content(body: dict) -> dict:
    content = {k: v for k, v in body.items() if k != "etag"}
    content["properties"] = {k: v for k, v in body["properties"].items() if k != "provisioningState"}
    return content


# back-references: network interfaces and the OS disk --------------------------------------


def _save(call: Call, body: dict, etag: str | None = None) -> None:
    rid = ResourceId.parse(body["id"])
    body["etag"] = etag or etag_of(body)
    call.tx.put(body["id"], body, type=rid.type, scope=rid.group_id)


def mac_address(nic_id: str) -> str:
    """A MAC in Microsoft's 00-0D-3A range, stable per network interface."""
    tail = stable_uuid(nic_id, "mac").replace("-", "")[:6].upper()
    return "00-0D-3A-" + "-".join(tail[i:i + 2] for i in range(0, 6, 2))


def attach_network_interfaces(call: Call, vm: dict) -> None:
    for reference in vm["properties"]["networkProfile"]["networkInterfaces"]:
        nic = call.tx.get(reference["id"])
        wanted = dict(nic["properties"], virtualMachine={"id": vm["id"]},
                      primary=reference["properties"]["primary"], macAddress=mac_address(nic["id"]))
        if wanted != nic["properties"]:
            nic["properties"] = wanted
            _save(call, nic)


def release_network_interfaces(call: Call, vm: dict) -> None:
    for reference in vm["properties"]["networkProfile"]["networkInterfaces"]:
        nic = call.tx.get(reference["id"])
        if nic is None:
            continue
        if reference["properties"].get("deleteOption") == "Delete":
            call.tx.delete_tree(nic["id"])
            resource_type_of(NIC_TYPE).after_delete(call, ResourceId.parse(nic["id"]), nic)
            continue
        for key in ("virtualMachine", "primary", "macAddress"):
            nic["properties"].pop(key, None)
        _save(call, nic)


def disk_body(vm: dict) -> dict:
    os_disk = vm["properties"]["storageProfile"]["osDisk"]
    image = vm["properties"]["storageProfile"]["imageReference"]
    rid = ResourceId.parse(os_disk["managedDisk"]["id"])
    location = region_of(vm["location"])
    image_id = (f"/Subscriptions/{rid.subscription}/Providers/Microsoft.Compute/Locations/{location}/"
                f"Publishers/{image['publisher']}/ArtifactTypes/VMImage/Offers/{image['offer']}/"
                f"Skus/{image['sku']}/Versions/{image['exactVersion']}")
    generation = linux_vms.PLATFORM_IMAGES[(image["publisher"].lower(), image["offer"].lower(), image["sku"].lower())]
    return {
        "id": str(rid), "name": rid.name, "type": DISK_TYPE, "location": vm["location"],
        "managedBy": vm["id"],
        "sku": {"name": os_disk["managedDisk"]["storageAccountType"],
                "tier": "Premium" if os_disk["managedDisk"]["storageAccountType"].startswith("Premium") else "Standard"},
        "properties": {
            "osType": "Linux", "hyperVGeneration": generation,
            "creationData": {"createOption": "FromImage", "imageReference": {"id": image_id}},
            "diskSizeGB": os_disk["diskSizeGB"], "diskState": "Attached", "provisioningState": "Succeeded",
            "timeCreated": vm["properties"]["timeCreated"], "uniqueId": stable_uuid(str(rid), "disk"),
            "networkAccessPolicy": "AllowAll", "publicNetworkAccess": "Enabled",
        },
    }


def ensure_os_disk(call: Call, vm: dict) -> None:
    disk = disk_body(vm)
    stored = call.tx.get(disk["id"])
    if stored is None or {k: v for k, v in stored.items() if k != "etag"} != disk:
        _save(call, disk)


def release_os_disk(call: Call, vm: dict) -> None:
    os_disk = vm["properties"]["storageProfile"]["osDisk"]
    disk = call.tx.get(os_disk["managedDisk"]["id"])
    if disk is None:
        return
    if os_disk.get("deleteOption") == "Delete":
        call.tx.delete_tree(disk["id"])
        return
    disk.pop("managedBy", None)
    disk["properties"]["diskState"] = "Unattached"
    _save(call, disk)


class Disks(ResourceType):
    """OS disks the VMs create: readable, listable, deletable once no VM uses them."""

    type = DISK_TYPE

    def before_delete(self, call, rid, stored):
        if stored.get("managedBy"):
            raise ArmError(HTTPStatus.CONFLICT, "OperationNotAllowed",
                           DISK_ATTACHED.format(name=stored["name"], vm=stored["managedBy"]))


VIRTUAL_MACHINES = routes.resource(VirtualMachines())
DISKS = routes.resource(Disks(), creatable=False)
