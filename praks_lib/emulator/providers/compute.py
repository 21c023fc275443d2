"""Microsoft.Compute virtual machines (the jumpbox), their OS disks, and VM run command.

Azure behaviours kept:
- A VM PUT is checked as Compute checks it: a known size, a platform image that exists, an admin
  user name Azure allows, Linux sign-in by password or SSH key, network interfaces that exist, are
  in the VM's region and belong to no other VM. Create is a long-running operation (``Creating``).
- The VM body is Compute's: ``vmId`` (stable per id), integer etags (``"1"``, ``"2"`` … one per
  change), ``timeCreated``, the OS disk's generated name and managed disk id, ``adminPassword``
  never returned. A re-PUT of the GET body changes nothing (200, same etag). Image, OS profile and
  OS disk cannot change after creation (``PropertyChangeNotAllowed``). No public IP is ever added:
  the VM has only what its network interfaces have.
- The network interface shows its VM (``virtualMachine.id``, ``primary``, a MAC address); deleting
  the VM releases it (or deletes it when its ``deleteOption`` is ``Delete``), and deletes the OS
  disk when the disk's ``deleteOption`` is ``Delete`` (else the disk stays, ``Unattached``). An
  attached disk cannot be deleted (``OperationNotAllowed``).
- ``POST …/runCommand`` answers 202 with ``Azure-AsyncOperation`` and ``Location``
  (``…/locations/<loc>/operations/<id>``, the latter with ``monitor=true``); the result is the
  RunCommandLinux extension's status: ``Enable succeeded: \\n[stdout]\\n…\\n[stderr]\\n…`` with
  each stream's last 4 KiB. The script runs in :mod:`praks_lib.emulator.world.vm_shell`, against the
  cloud as it is when the command is posted. A Windows command id on a Linux VM is a 409
  ``Conflict``; an unknown command id a 404 ``NotFound``, as on Azure.
"""

from __future__ import annotations

import copy
from http import HTTPStatus

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request
from praks_lib.emulator.platform.arm.operations import (
    advance_operation,
    management_url,
    operation_path,
    operation_status,
    poll_again_url,
    record_operation,
)
from praks_lib.emulator.platform.arm.resources import (
    ArmRoutes,
    ResourceType,
    etag_of,
    request_body,
    require,
    resource_type_of,
)
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.world.network_state import NIC_TYPE

NAMESPACE = "Microsoft.Compute"
VM_TYPE = "Microsoft.Compute/virtualMachines"
DISK_TYPE = "Microsoft.Compute/disks"
RUN_COMMAND_OPERATION_TYPE = "Microsoft.Compute/locations/operations"
VM_PATH = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
           "Microsoft.Compute/virtualMachines/{name0}")
OPERATIONS_PATH = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}"
# Fixed creation time: Azure has one, notebook outputs must not change from run to run.
TIME_CREATED = "2025-01-01T00:00:00.0000000+00:00"
OS_DISK_SIZE_GB = 30
RUN_COMMAND_POLLS = 1
OUTPUT_TAIL_BYTES = 4 * 1024  # RunCommandLinux reports the last 4 KiB of stdout and of stderr

# Sizes offered in the emulated regions (a small, common subset; Azure's list is region-specific).
VM_SIZES = (
    "Standard_B1s", "Standard_B1ms", "Standard_B2s", "Standard_B2ms", "Standard_B2s_v2",
    "Standard_B2ats_v2", "Standard_D1_v2", "Standard_D2_v2", "Standard_DS1_v2", "Standard_DS2_v2",
    "Standard_DS3_v2", "Standard_D2s_v3", "Standard_D4s_v3", "Standard_D2s_v5", "Standard_D4s_v5",
    "Standard_D2as_v5", "Standard_D2ds_v5", "Standard_F2s_v2",
)
# Platform images (publisher, offer, sku) → Hyper-V generation; version "latest" or the one listed.
PLATFORM_IMAGES = {
    ("canonical", "ubuntu-24_04-lts", "server"): "V2",
    ("canonical", "ubuntu-24_04-lts", "server-gen1"): "V1",
    ("canonical", "ubuntu-24_04-lts", "minimal"): "V2",
    ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"): "V2",
    ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts"): "V1",
    ("canonical", "ubuntuserver", "18.04-lts"): "V1",
    ("canonical", "ubuntuserver", "16.04-lts"): "V1",
}
IMAGE_VERSION = "24.04.202501140"  # what "latest" resolves to (exactVersion)
# Azure's disallowed admin user names (documented list).
RESERVED_USER_NAMES = frozenset({
    "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1",
    "123", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john",
    "owner", "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3",
    "user4", "user5",
})
LINUX_COMMAND_IDS = {"RunShellScript": None, "ifconfig": ["ifconfig"]}  # None: the request's script
WINDOWS_COMMAND_IDS = frozenset({
    "RunPowerShellScript", "EnableAdminAccount", "EnableRemotePS", "IPConfig", "RDPSettings",
    "ResetRDPCert", "SetRDPPort", "DisableNLA", "DisableWindowsUpdate", "EnableWindowsUpdate",
    "IMDSCertCheck", "RemoveRunCommandWindowsExtension", "ResetAccountPassword",
})

# Codes are Azure's; texts as Azure and users' reports show them (no recording in the reference).
INVALID_SIZE = (
    "The value {size} provided for the VM size is not valid. The valid sizes in the current region "
    "are: {sizes}."
)
IMAGE_NOT_FOUND = (
    "The platform image '{publisher}:{offer}:{sku}:{version}' is not available. Verify that all "
    "fields in the storage profile are correct. For more details about storage profile "
    "information, please refer to https://aka.ms/storageprofile"
)
USER_NAME_NOT_ALLOWED = "The Admin Username specified is not allowed."
LINUX_AUTHENTICATION_REQUIRED = (
    "Authentication using either SSH or by user name and password must be enabled in Linux profile."
)
PARAMETER_REQUIRED = "Required parameter '{name}' is missing (null)."
NIC_NOT_FOUND = (
    "The Resource 'Microsoft.Network/networkInterfaces/{name}' under resource group '{rg}' was not "
    "found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
)
NIC_IN_USE = "Network Interface {nic} is used by existing VM {vm}."
# Azure's code; reconstructed text.
NIC_OTHER_LOCATION = (
    "The network interface {nic} is in location '{nic_location}', but the virtual machine is in "
    "'{vm_location}'. A virtual machine and its network interfaces must be in the same location."
)
PROPERTY_CHANGE_NOT_ALLOWED = "Changing property '{name}' is not allowed."
DISK_ATTACHED = "Disk {name} is attached to VM {vm}."
RUN_COMMAND_OS_MISMATCH = "Run command OS type 'Windows' does not match the target OS Linux."
ENTITY_NOT_FOUND = "The entity was not found in this Azure location."

routes = ArmRoutes()


# virtual machines -------------------------------------------------------------------------


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


def check_size(size: str | None) -> None:
    if size is None:
        raise bad_request("InvalidParameter", PARAMETER_REQUIRED.format(name="vmSize"))
    if size.lower() not in {s.lower() for s in VM_SIZES}:
        raise bad_request("InvalidParameter", INVALID_SIZE.format(size=size, sizes=",".join(VM_SIZES)))


def storage_profile(rid: ResourceId, requested: dict | None, before: dict | None, location: str) -> dict:
    """Image and OS disk: checked on create, kept as they are afterwards."""
    requested = copy.deepcopy(requested or {})
    if before:
        for name in ("imageReference", "osDisk"):
            if name in requested and not _same_setting(requested[name], before[name]):
                raise ArmError(HTTPStatus.CONFLICT, "PropertyChangeNotAllowed",
                               PROPERTY_CHANGE_NOT_ALLOWED.format(name=name))
        return copy.deepcopy(before)
    image = requested.get("imageReference")
    if not image:
        raise bad_request("InvalidParameter", PARAMETER_REQUIRED.format(name="imageReference"))
    key = tuple((image.get(k) or "").lower() for k in ("publisher", "offer", "sku"))
    version = image.get("version") or "latest"
    if key not in PLATFORM_IMAGES or version not in ("latest", IMAGE_VERSION):
        raise bad_request("InvalidParameter", IMAGE_NOT_FOUND.format(
            publisher=image.get("publisher"), offer=image.get("offer"), sku=image.get("sku"), version=version))
    os_disk = requested.get("osDisk") or {}
    disk_name = os_disk.get("name") or f"{rid.name}_OsDisk_1_{stable_uuid(str(rid), 'osDisk').replace('-', '')}"
    managed = os_disk.get("managedDisk") or {}
    return {
        "imageReference": {"publisher": image["publisher"], "offer": image["offer"], "sku": image["sku"],
                           "version": version, "exactVersion": IMAGE_VERSION},
        "osDisk": {
            "osType": "Linux", "name": disk_name, "createOption": os_disk.get("createOption", "FromImage"),
            "caching": os_disk.get("caching", "ReadWrite"),
            "managedDisk": {"storageAccountType": managed.get("storageAccountType", "Premium_LRS"),
                            "id": f"{rid.group_id}/providers/{DISK_TYPE}/{disk_name}"},
            "deleteOption": os_disk.get("deleteOption", "Detach"),
            "diskSizeGB": os_disk.get("diskSizeGB", OS_DISK_SIZE_GB),
        },
        "dataDisks": [],
        "diskControllerType": "SCSI",
    }


def _same_setting(requested, stored) -> bool:
    """Whether every value the request gives equals the stored one (ids without case)."""
    if isinstance(requested, dict):
        return isinstance(stored, dict) and all(k in stored and _same_setting(v, stored[k])
                                                for k, v in requested.items())
    if isinstance(requested, list):
        return isinstance(stored, list) and len(requested) == len(stored) and all(
            _same_setting(r, s) for r, s in zip(requested, stored))
    if isinstance(requested, str) and isinstance(stored, str) and requested.startswith("/subscriptions/"):
        return requested.lower() == stored.lower()
    return requested == stored


def linux_os_profile(requested: dict | None, before: dict | None) -> dict:
    """The OS profile as Azure keeps it: checked on create, never changed, no password returned."""
    if before:
        if requested:
            given = {k: v for k, v in requested.items() if k != "adminPassword"}
            if not _same_setting(given, before):
                raise ArmError(HTTPStatus.CONFLICT, "PropertyChangeNotAllowed",
                               PROPERTY_CHANGE_NOT_ALLOWED.format(name="osProfile"))
        return copy.deepcopy(before)
    profile = copy.deepcopy(requested or {})
    for name in ("computerName", "adminUsername"):
        if not profile.get(name):
            raise bad_request("InvalidParameter", PARAMETER_REQUIRED.format(name=name))
    if profile["adminUsername"].lower() in RESERVED_USER_NAMES:
        raise bad_request("InvalidParameter", USER_NAME_NOT_ALLOWED)
    linux = profile.get("linuxConfiguration") or {}
    keys = (linux.get("ssh") or {}).get("publicKeys") or []
    password = profile.pop("adminPassword", None)
    if linux.get("disablePasswordAuthentication") and not keys:
        raise bad_request("InvalidParameter", LINUX_AUTHENTICATION_REQUIRED)
    if not keys and not password:
        raise bad_request("InvalidParameter", PARAMETER_REQUIRED.format(name="adminPassword"))
    result = {
        "computerName": profile["computerName"], "adminUsername": profile["adminUsername"],
        "linuxConfiguration": {
            "disablePasswordAuthentication": bool(linux.get("disablePasswordAuthentication", not password)),
            "provisionVMAgent": linux.get("provisionVMAgent", True),
            "patchSettings": linux.get("patchSettings") or {"patchMode": "ImageDefault",
                                                            "assessmentMode": "ImageDefault"},
            "enableVMAgentPlatformUpdates": False,
        },
        "secrets": profile.get("secrets") or [],
        "allowExtensionOperations": profile.get("allowExtensionOperations", True),
        "requireGuestProvisionSignal": True,
    }
    if keys:
        result["linuxConfiguration"]["ssh"] = {"publicKeys": [{"path": k.get("path"), "keyData": k.get("keyData")}
                                                              for k in keys]}
    return result


def default_security(image: dict) -> dict:
    """Trusted launch is Azure's default for Generation 2 images; Generation 1 cannot use it."""
    key = (image["publisher"].lower(), image["offer"].lower(), image["sku"].lower())
    if PLATFORM_IMAGES[key] == "V2":
        return {"uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}, "securityType": "TrustedLaunch"}
    return {"securityType": "Standard"}


def network_profile(call: Call, rid: ResourceId, requested: dict | None, location: str) -> dict:
    """Network interfaces that exist, share the VM's region and no other VM holds."""
    references = (requested or {}).get("networkInterfaces") or []
    if not references:
        raise bad_request("InvalidParameter", PARAMETER_REQUIRED.format(name="networkProfile"))
    result = []
    for index, reference in enumerate(references):
        nic_id = reference.get("id") or ""
        nic = call.tx.get(nic_id) if nic_id else None
        if nic is None:
            nic_rid = _parse_or_none(nic_id)
            raise ArmError(HTTPStatus.NOT_FOUND, "NotFound", NIC_NOT_FOUND.format(
                name=nic_rid.name if nic_rid else nic_id, rg=nic_rid.resource_group if nic_rid else ""))
        if _region(nic["location"]) != _region(location):
            raise bad_request("InvalidParameter", NIC_OTHER_LOCATION.format(
                nic=nic["id"], nic_location=nic["location"], vm_location=location))
        holder = (nic["properties"].get("virtualMachine") or {}).get("id")
        if holder and not same_id(holder, str(rid)):
            raise bad_request("NicInUse", NIC_IN_USE.format(nic=nic["id"], vm=holder))
        properties = reference.get("properties") or {}
        result.append({"id": nic["id"], "properties": {
            "primary": properties.get("primary", index == 0),
            "deleteOption": properties.get("deleteOption", "Detach")}})
    return {"networkInterfaces": result}


def _parse_or_none(resource_id: str) -> ResourceId | None:
    try:
        return ResourceId.parse(resource_id)
    except ValueError:
        return None


def _region(location: str) -> str:
    return location.replace(" ", "").lower()


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
    location = _region(vm["location"])
    image_id = (f"/Subscriptions/{rid.subscription}/Providers/Microsoft.Compute/Locations/{location}/"
                f"Publishers/{image['publisher']}/ArtifactTypes/VMImage/Offers/{image['offer']}/"
                f"Skus/{image['sku']}/Versions/{image['exactVersion']}")
    generation = PLATFORM_IMAGES[(image["publisher"].lower(), image["offer"].lower(), image["sku"].lower())]
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


# run command ------------------------------------------------------------------------------


def _operation_record_id(call: Call, location: str, op_id: str) -> str:
    """Where a run command's output waits: under its operation's own path."""
    return operation_path(call.subscription_id, NAMESPACE, location, op_id)


@routes.post(VM_PATH + "/runCommand")
def run_command(call: Call) -> Response:
    """Run a script on the VM now; the result waits in the operation for the SDK's polls."""
    from praks_lib.emulator.world import vm_shell

    vm = require(call, VIRTUAL_MACHINES.resource_id(call))
    request = request_body(call)
    command_id = request.get("commandId") or ""
    if command_id in WINDOWS_COMMAND_IDS:
        raise ArmError(HTTPStatus.CONFLICT, "Conflict", RUN_COMMAND_OS_MISMATCH)
    if command_id not in LINUX_COMMAND_IDS:
        raise ArmError(HTTPStatus.NOT_FOUND, "NotFound", ENTITY_NOT_FOUND)
    script = LINUX_COMMAND_IDS[command_id] or list(request.get("script") or [])
    sequence = call.tx.next_number(f"runCommand|{vm['id'].lower()}") - 1
    stdout, stderr = vm_shell.run_script(call.tx, vm, script, sequence)
    op_id = record_operation(call, "runCommand", vm["id"], RUN_COMMAND_POLLS)
    record_id = _operation_record_id(call, vm["location"], op_id)
    call.tx.put(record_id, {"id": record_id, "name": op_id, "output": {"value": [instance_status(stdout, stderr)]}},
                type=RUN_COMMAND_OPERATION_TYPE, scope=record_id.rsplit("/operations/", 1)[0])
    return Response(HTTPStatus.ACCEPTED, None, {
        "Azure-AsyncOperation": management_url(call, record_id),
        "Location": management_url(call, record_id, monitor=True)})


def _tail(text: str) -> str:
    return text.encode()[-OUTPUT_TAIL_BYTES:].decode(errors="ignore")


def instance_status(stdout: str, stderr: str) -> dict:
    """The RunCommandLinux extension's status, as run command returns it."""
    return {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
            "message": f"Enable succeeded: \n[stdout]\n{_tail(stdout)}\n[stderr]\n{_tail(stderr)}"}


@routes.get(OPERATIONS_PATH)
def compute_operation(call: Call) -> Response:
    """Compute's operation URL: a run command's status (or, with ``monitor=true``, its result);
    for VM and disk creates and deletes, ARM's generic operation status."""
    record = call.tx.get(_operation_record_id(call, call.params["location"], call.params["operationId"]))
    if record is None:
        return operation_status(call)
    op = advance_operation(call, call.params["operationId"])
    if call.request.query.get("monitor") == "true":
        if op["status"] == "InProgress":
            return Response(HTTPStatus.ACCEPTED, None, {"Location": poll_again_url(call)})
        return Response(HTTPStatus.OK, record["output"])
    body = {"startTime": TIME_CREATED, "status": op["status"], "name": record["name"]}
    if op["status"] != "InProgress":
        body["endTime"] = TIME_CREATED
        body["properties"] = {"output": record["output"]}
    return Response(HTTPStatus.OK, body)


VIRTUAL_MACHINES = routes.resource(VirtualMachines())
DISKS = routes.resource(Disks(), creatable=False)
