"""VM run command: ``POST …/runCommand`` runs the script now; its result waits in the operation.

The script runs in :mod:`praks_lib.emulator.world.vm_shell` against the cloud as it is when the
command is posted. ``Azure-AsyncOperation`` and ``Location`` name Compute's operation URL
(``…/locations/<loc>/operations/<id>``, the latter with ``monitor=true``); the result is the
RunCommandLinux extension's status with each stream's last 4 KiB.
"""

from __future__ import annotations

from http import HTTPStatus

from praks_lib.emulator.platform.arm.errors import ArmError
from praks_lib.emulator.platform.arm.operations import (
    advance_operation,
    management_url,
    operation_path,
    operation_status,
    poll_again_url,
    record_operation,
)
from praks_lib.emulator.platform.arm.resources import ArmRoutes, request_body, require
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.providers.compute.virtual_machines import NAMESPACE, TIME_CREATED, VIRTUAL_MACHINES
from praks_lib.emulator.world import vm_shell

RUN_COMMAND_OPERATION_TYPE = "Microsoft.Compute/locations/operations"
VM_PATH = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
           "Microsoft.Compute/virtualMachines/{name0}")
OPERATIONS_PATH = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}"
RUN_COMMAND_POLLS = 1
OUTPUT_TAIL_BYTES = 4 * 1024  # RunCommandLinux reports the last 4 KiB of stdout and of stderr
LINUX_COMMAND_IDS = {"RunShellScript": None, "ifconfig": ["ifconfig"]}  # None: the request's script
WINDOWS_COMMAND_IDS = frozenset({
    "RunPowerShellScript", "EnableAdminAccount", "EnableRemotePS", "IPConfig", "RDPSettings",
    "ResetRDPCert", "SetRDPPort", "DisableNLA", "DisableWindowsUpdate", "EnableWindowsUpdate",
    "IMDSCertCheck", "RemoveRunCommandWindowsExtension", "ResetAccountPassword",
})
RUN_COMMAND_OS_MISMATCH = "Run command OS type 'Windows' does not match the target OS Linux."
ENTITY_NOT_FOUND = "The entity was not found in this Azure location."

routes = ArmRoutes()


def _operation_record_id(call: Call, location: str, op_id: str) -> str:
    """Where a run command's output waits: under its operation's own path."""
    return operation_path(call.subscription_id, NAMESPACE, location, op_id)


@routes.post(VM_PATH + "/runCommand")
def run_command(call: Call) -> Response:
    """Run a script on the VM now; the result waits in the operation for the SDK's polls."""
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
