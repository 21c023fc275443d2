"""Commands inside the private network without a network path to it: Azure's run command APIs.

`kubectl` goes through AKS run command (the API behind `az aks command invoke`): Azure starts a pod
in the cluster that runs the command against the private API server. `on_vm` goes through VM run
command (`az vm run-command invoke`) to the jumpbox. Both work the same on Azure and offline.
"""
from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from dataclasses import dataclass

from azure.mgmt.compute.models import RunCommandInput
from azure.mgmt.containerservice.models import RunCommandRequest

from praks_lib.azure.ids import state_text
from praks_lib.cloud import Clients
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError


@dataclass(frozen=True)
class CommandOutput:
    exit_code: int
    stdout: str
    stderr: str = ""

    def __str__(self) -> str:
        return self.stdout + (self.stderr if self.stderr else "")


def _context(files: dict[str, str]) -> str:
    """The files a command refers to (`kubectl apply -f pod.yaml`), zipped and base64-encoded as Azure wants."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return base64.b64encode(buffer.getvalue()).decode()


def kubectl(clients: Clients, dep: Deployment, command: str, files: dict[str, str] | None = None) -> CommandOutput:
    """Run a kubectl (or helm) command line in the cluster; `files` become the command's context."""
    request = RunCommandRequest(command=command, context=_context(files) if files else "")
    result = clients.containerservice.managed_clusters.begin_run_command(
        dep.resource_groups.kube, dep.aks.name, request).result()
    if result.exit_code is None or (state_text(result.provisioning_state) or "").lower() != "succeeded":
        # The command never ran (no capacity for the command pod, cluster stopped…): nothing to judge.
        raise StageError(f"run command `{command}` did not run: {state_text(result.provisioning_state)} "
                         f"{result.reason or ''}".strip() + ". Check the cluster in 04_private_aks.")
    return CommandOutput(result.exit_code, result.logs or "")


def kubectl_json(clients: Clients, dep: Deployment, command: str) -> dict:
    """kubectl's JSON output ({} when kubectl fails), or a StageError with what kubectl printed instead."""
    out = kubectl(clients, dep, command)
    try:
        return json.loads(out.stdout) if out.exit_code == 0 else {}
    except ValueError:
        raise StageError(f"`{command}` did not print JSON: {out.stdout.strip()[:300]}") from None


_SECTIONS = re.compile(r"\[stdout\]\n(?P<stdout>.*?)\n?\[stderr\]\n(?P<stderr>.*)", re.S)


def on_vm(clients: Clients, dep: Deployment, script: str, vm: str | None = None) -> CommandOutput:
    """Run a shell script on a VM (default: the jumpbox) and split Azure's `[stdout]`/`[stderr]` message.

    VM run command reports no exit code; output on stderr counts as failure. Callers judge by the
    output itself (what nslookup printed), not by this code.
    """
    result = clients.compute.virtual_machines.begin_run_command(
        dep.resource_groups.network, vm or dep.jumpbox.name,
        RunCommandInput(command_id="RunShellScript", script=script.splitlines())).result()
    status = result.value[0]
    sections = _SECTIONS.search(status.message or "")
    stdout, stderr = (sections["stdout"], sections["stderr"].rstrip("\n")) if sections else (status.message or "", "")
    failed = "failed" in (status.code or "").lower()
    return CommandOutput(1 if failed or stderr else 0, stdout, stderr)
