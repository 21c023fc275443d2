"""What a Linux VM does with a run-command script (``RunShellScript``), offline.

Azure's RunCommandLinux extension writes the script to
``/var/lib/waagent/run-command/download/<n>/script.sh`` (``n`` counts the VM's run commands from 0),
runs it with bash as root and reports stdout and stderr separately. Here each line is a command
list (:mod:`praks_lib.emulator.world.command_list`: ``;``, ``&&``, ``||``, quotes and ``#``
comments; no pipes, redirections or variables). Its programs:

- ``nslookup NAME`` — Azure DNS (168.63.129.16) as seen from the VM's virtual network
  (:mod:`praks_lib.emulator.world.azure_dns`: private zones linked to that network, else public DNS);
- ``curl …`` — one connection from the VM's private IP through :mod:`praks_lib.emulator.world.dataplane`
  (its subnet's effective routes, the firewall when a route leads there), printed by the same curl
  the emulated pods use (:func:`praks_lib.emulator.world.kubernetes.shell.curl`), its own messages on
  stderr as curl writes them;
- ``hostname [-I|-i]``, ``ip addr``, ``cat /etc/resolv.conf|/etc/hostname|/etc/os-release``,
  ``echo``, ``true``, ``false``, ``sleep``.

Anything else is bash's ``<script>: line <n>: <program>: command not found`` on stderr. The VM
uses Azure DNS directly (``nameserver 168.63.129.16``), as nslookup's ``Server:`` line shows.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone

from praks_lib.emulator.platform.store import Transaction
from praks_lib.emulator.world import azure_dns, command_list, dataplane, network_state
from praks_lib.emulator.world.command_list import NOT_EMULATED, Result
from praks_lib.emulator.world.kubernetes.shell import curl
from praks_lib.firewall.addresses import is_ipv4

SCRIPT_PATH = "/var/lib/waagent/run-command/download/{sequence}/script.sh"
COMMAND_NOT_FOUND = "{script}: line {line}: {program}: command not found\n"
OS_RELEASE = (
    'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\n'
    'VERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n'
    'HOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\n'
    'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\n'
    'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\n'
    "UBUNTU_CODENAME=noble\nLOGO=ubuntu-logo\n"
)


@dataclass
class VmShell:
    """One VM's view of the network: its computer name, its primary NIC's address and subnet."""

    tx: Transaction
    computer_name: str
    address: str
    subnet_id: str
    mac: str
    now: datetime

    # what curl needs ----------------------------------------------------------------------------
    def _addresses(self, name: str) -> list[str]:
        """The addresses Azure DNS gives this VNet for ``name`` ([] for NXDOMAIN)."""
        if is_ipv4(name):
            return [name]
        return list(azure_dns.lookup(self.tx, name, self.subnet_id).addresses)

    def _flow(self, host: str, address: str, port: int, protocol: str, sni: bool | None):
        """The data plane's outcome for one connection from the VM to the address it resolved."""
        return dataplane.send(self.tx, self.address, host, port, protocol, sni=sni)

    # programs ---------------------------------------------------------------------------------
    def run(self, argv: list[str]) -> Result | None:
        """Run one program; None when the VM has no such program."""
        program = argv[0].rsplit("/", 1)[-1]
        handler = getattr(self, f"_program_{program}", None)
        return handler(argv[1:]) if handler else None

    def _program_echo(self, args: list[str]) -> Result:
        if args[:1] == ["-n"]:
            return Result(0, " ".join(args[1:]))
        return Result(0, " ".join(args) + "\n")

    def _program_true(self, args: list[str]) -> Result:
        return Result(0)

    def _program_false(self, args: list[str]) -> Result:
        return Result(1)

    def _program_sleep(self, args: list[str]) -> Result:
        return Result(0)  # virtual time

    def _program_hostname(self, args: list[str]) -> Result:
        if args[:1] == ["-I"]:
            return Result(0, f"{self.address} \n")
        if args[:1] == ["-i"]:
            return Result(0, f"{self.address}\n")
        return Result(0, self.computer_name + "\n")

    def _program_cat(self, args: list[str]) -> Result:
        files = {"/etc/resolv.conf": f"nameserver {azure_dns.AZURE_DNS}\n",
                 "/etc/hostname": self.computer_name + "\n", "/etc/os-release": OS_RELEASE}
        result = Result(0)
        for path in args:
            if path in files:
                result.stdout += files[path]
            else:
                result.code, result.stderr = 1, result.stderr + f"cat: {path}: No such file or directory\n"
        return result

    def _program_nslookup(self, args: list[str]) -> Result:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            return Result(1, stderr=NOT_EMULATED.format(what="interactive nslookup") + "\n")
        if len(names) > 1 and names[1] != azure_dns.AZURE_DNS:
            return Result(1, stderr=NOT_EMULATED.format(what="nslookup to a server other than Azure DNS") + "\n")
        answer = azure_dns.lookup(self.tx, names[0], self.subnet_id)
        return Result(0 if answer.addresses else 1, azure_dns.render_nslookup(answer))

    def _program_curl(self, args: list[str]) -> Result:
        return curl(args, lookup=self._addresses, flow=self._flow, now=self.now)

    def _program_ip(self, args: list[str]) -> Result:
        words = [a for a in args if not a.startswith("-")]
        if words[:1] not in (["a"], ["addr"], ["address"]) or words[1:] not in ([], ["show"]):
            obj = words[0] if words else ""
            return Result(255, stderr=NOT_EMULATED.format(what=f"ip {obj}".strip()) + "\n")
        network = ipaddress.ip_network(f"{self.address}/{self._prefix_length()}", strict=False)
        mac = self.mac.replace("-", ":").lower()
        return Result(0, (
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "    inet 127.0.0.1/8 scope host lo\n"
            "       valid_lft forever preferred_lft forever\n"
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n"
            f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n"
            f"    inet {self.address}/{network.prefixlen} metric 100 brd {network.broadcast_address} "
            "scope global eth0\n"
            "       valid_lft forever preferred_lft forever\n"))

    def _prefix_length(self) -> int:
        subnet = self.tx.get(self.subnet_id)
        return network_state.subnet_networks(subnet)[0].prefixlen

    # the script -------------------------------------------------------------------------------
    def run_script(self, lines: list[str], script: str) -> Result:
        """Run the script's lines in order, as bash runs ``script``; the last exit code wins."""
        total = Result(0)
        for number, line in enumerate(lines, start=1):
            def execute(words: list[str]) -> Result:
                return self.run(words) or Result(127, stderr=COMMAND_NOT_FOUND.format(
                    script=script, line=number, program=words[0]))

            done = command_list.run(line, execute, shell=f"{script}: line {number}", status=total.code)
            total = Result(done.code, total.stdout + done.stdout, total.stderr + done.stderr)
        return total



def shell_for(tx: Transaction, vm: dict, now: datetime | None = None) -> VmShell:
    """The shell of a stored VM: its primary network interface's first IP configuration."""
    references = vm["properties"]["networkProfile"]["networkInterfaces"]
    primary = next((r for r in references if r["properties"].get("primary")), references[0])
    nic = tx.get(primary["id"])
    config = nic["properties"]["ipConfigurations"][0]["properties"]
    return VmShell(tx, vm["properties"]["osProfile"]["computerName"], config["privateIPAddress"],
                   config["subnet"]["id"], nic["properties"].get("macAddress", ""),
                   now or datetime.now(timezone.utc))


def run_script(tx: Transaction, vm: dict, script: list[str], sequence: int) -> tuple[str, str]:
    """(stdout, stderr) of a RunShellScript ``script`` (its lines) on ``vm``, the VM's
    ``sequence``-th run command."""
    lines = "\n".join(script).splitlines()
    result = shell_for(tx, vm).run_script(lines, SCRIPT_PATH.format(sequence=sequence))
    return result.stdout, result.stderr
