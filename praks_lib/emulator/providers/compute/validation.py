"""What Compute checks when a virtual machine is created or updated, and the profiles it keeps.

Each check raises Azure's error (codes are Azure's; texts as Azure and users' reports show them);
the profile functions return the VM's storage, OS and network profiles as Compute stores them.
"""

from __future__ import annotations

import copy
from http import HTTPStatus

from praks_lib.azure import linux_vms, ssh_keys, vm_sizes
from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request, catalog_error
from praks_lib.emulator.platform.router import Call
from praks_lib.emulator.platform.stable_ids import stable_uuid

DISK_TYPE = "Microsoft.Compute/disks"
OS_DISK_SIZE_GB = 30

# Codes are Azure's; texts as Azure and users' reports show them (no recording in the reference).
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


def check_size(size: str | None) -> None:
    if size is None:
        raise bad_request("InvalidParameter", PARAMETER_REQUIRED.format(name="vmSize"))
    if vm_sizes.find(size) is None:
        raise catalog_error("vm_size_invalid", size=size, sizes=",".join(vm_sizes.names()))


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
    if key not in linux_vms.PLATFORM_IMAGES or version not in ("latest", linux_vms.LATEST_IMAGE_VERSION):
        raise bad_request("InvalidParameter", IMAGE_NOT_FOUND.format(
            publisher=image.get("publisher"), offer=image.get("offer"), sku=image.get("sku"), version=version))
    os_disk = requested.get("osDisk") or {}
    disk_name = os_disk.get("name") or f"{rid.name}_OsDisk_1_{stable_uuid(str(rid), 'osDisk').replace('-', '')}"
    managed = os_disk.get("managedDisk") or {}
    return {
        "imageReference": {"publisher": image["publisher"], "offer": image["offer"], "sku": image["sku"],
                           "version": version, "exactVersion": linux_vms.LATEST_IMAGE_VERSION},
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
    if linux_vms.is_reserved_user_name(profile["adminUsername"]):
        raise bad_request("InvalidParameter", USER_NAME_NOT_ALLOWED)
    linux = profile.get("linuxConfiguration") or {}
    keys = (linux.get("ssh") or {}).get("publicKeys") or []
    password = profile.pop("adminPassword", None)
    if any(ssh_keys.problem(k.get("keyData") or "") for k in keys):
        raise catalog_error("vm_ssh_key_invalid")
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
    if linux_vms.PLATFORM_IMAGES[key] == "V2":
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
        if region_of(nic["location"]) != region_of(location):
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


def region_of(location: str) -> str:
    return location.replace(" ", "").lower()
