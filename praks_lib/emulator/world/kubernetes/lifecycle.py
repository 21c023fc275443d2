"""Starting a user pod: run its container command once, keep the output as logs, set the status.

Time is virtual: a command runs to its end at once. A container whose command keeps running (a
server image, `sleep`, `tail -f`, a `while true` loop) stays Running; one whose command ends is
Completed/Error (restartPolicy Never/OnFailure) or CrashLoopBackOff (Always), as the kubelet shows.
"""
from __future__ import annotations

from praks_lib.emulator.world.kubernetes.objects import Pod
from praks_lib.emulator.world.kubernetes.shell import PROGRAMS, ExecutableNotFound, PodShell

# What containerd reports when the command does not exist in the image.
START_ERROR = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: "
               "runc create failed: unable to start container process: exec: \"{program}\": executable file "
               "not found in $PATH: unknown")


def container_argv(pod: Pod) -> list[str]:
    """The first container's command line; an image whose entrypoint is a known tool gets it prefixed."""
    container = pod.containers[0]
    argv = [*container.command, *container.args]
    entrypoint = container.image.rsplit("/", 1)[-1].split(":")[0].split("@")[0]
    if argv and not container.command and entrypoint in PROGRAMS and argv[0] not in PROGRAMS:
        argv = [entrypoint, *argv]  # e.g. curlimages/curl with args only
    return argv


def keeps_running(argv: list[str]) -> bool:
    if not argv:
        return True  # the image's own entrypoint: a server (nginx, ...)
    program = argv[0].rsplit("/", 1)[-1]
    if program == "sleep":
        return argv[1:2] != ["0"]
    if program == "tail":
        return "-f" in argv
    if program in ("sh", "bash") and len(argv) > 2:
        script = argv[2]
        last = script.replace("&&", ";").split(";")[-1].split()
        return "while true" in script or "while :" in script or (bool(last) and last[0] == "sleep")
    return False


def start(pod: Pod, shell: PodShell) -> int:
    """Run the pod's command now; returns its exit code (0 for a container that keeps running)."""
    argv = container_argv(pod)
    try:
        code, output = shell.run(argv)
    except ExecutableNotFound as missing:
        pod.phase, pod.status_reason, pod.exit_code = "Failed", "StartError", 128
        pod.logs = START_ERROR.format(program=missing.program) + "\n"
        return 128
    pod.logs = output
    if keeps_running(argv):
        pod.phase = "Running"
        return 0
    pod.exit_code = code
    if pod.restart_policy == "Always" or (pod.restart_policy == "OnFailure" and code != 0):
        pod.phase, pod.status_reason, pod.restarts = "Running", "CrashLoopBackOff", 1
    else:
        pod.phase = "Succeeded" if code == 0 else "Failed"
    return code
