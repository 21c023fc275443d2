"""A workshop room's parameter files: one per attendee, each a valid deployment of its own.

    room = plan_room(20, "ws", base="parameters/default.yaml", out="parameters/room")

Every attendee gets a unique deployment name (``<prefix><number>``, 5-8 lowercase letters and digits,
so unique resource groups and resource names follow) and the base plan's address plan moved to a
block of its own: the blocks never overlap each other, the base's service and pod ranges or the ranges
AKS reserves, so a facilitator can later peer the attendees' networks or connect them to one hub, and
the emulator, which routes by address across one state folder, never confuses two attendees.

Each file keeps the base file's own keys (its ``scenario:`` stays a reference, a rule set named by
path is made absolute) plus the attendee's name and network, and must pass 00_plan's checks
(``load_deployment``) before it is written.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import yaml

from praks_lib.deployment import Deployment
from praks_lib.errors import Finding, ParameterError, PraksError
from praks_lib.params import load_deployment, read_parameter_file
from praks_lib.plan import AKS_RESERVED_RANGES, PRIVATE_RANGES
from praks_lib.project import default_parameters, project_dir, rule_set_file

NAME_LENGTH = (5, 8)  # a deployment name's length (praks_lib.deployment.DeploymentName)
ROSTER = "attendees.csv"


@dataclass(frozen=True)
class Attendee:
    number: int  # 1-based
    name: str  # the deployment name
    file: Path
    block: IPv4Network  # the address block holding the attendee's hub and spoke


@dataclass(frozen=True)
class RoomPlan:
    attendees: list[Attendee]
    base: Deployment  # the base file's deployment (the shape every attendee shares)
    roster: Path


def attendee_names(prefix: str, count: int) -> list[str]:
    """``<prefix><number>``, numbers zero-padded to one width so names sort in attendee order."""
    if not re.fullmatch(r"[a-z][a-z0-9]*", prefix or ""):
        raise PraksError(f"the prefix '{prefix}' must be lowercase letters and digits, starting with a letter",
                         "e.g. --prefix ws")
    if count < 1:
        raise PraksError(f"a room needs at least one attendee, not {count}", "give --attendees 1 or more")
    width = max(2, len(str(count)), NAME_LENGTH[0] - len(prefix))
    if len(prefix) + width > NAME_LENGTH[1]:
        raise PraksError(f"'{prefix}' plus {width} digits is longer than {NAME_LENGTH[1]} characters, the longest "
                         "deployment name", f"use a prefix of at most {NAME_LENGTH[1] - width} characters")
    return [f"{prefix}{n:0{width}d}" for n in range(1, count + 1)]


def plan_block(dep: Deployment) -> IPv4Network:
    """The smallest aligned block holding the base plan's hub and spoke: what each attendee gets a copy of."""
    block = dep.network.hub.network
    while not dep.network.spoke.network.subnet_of(block):
        block = block.supernet()
    return block


def _taken(dep: Deployment) -> list[IPv4Network]:
    """Ranges no attendee's networks may use: the cluster's service and pod ranges (shared by every attendee:
    they never leave a cluster) and those AKS refuses."""
    taken = [IPv4Network(dep.aks.service_cidr), *AKS_RESERVED_RANGES]
    if dep.aks.pod_cidr:
        taken.append(IPv4Network(dep.aks.pod_cidr))
    return taken


def address_blocks(dep: Deployment, count: int) -> list[IPv4Network]:
    """``count`` blocks the size of the base plan's, from the base's own block on, inside the private range
    that holds it, none overlapping another or the ranges in ``_taken``."""
    first = plan_block(dep)
    space = next((r for r in PRIVATE_RANGES if first.subnet_of(r)), None)
    if space is None:
        raise PraksError(f"the base plan's networks ({first}) are not in a private range",
                         "start from a base file whose hub and spoke are inside 10.0.0.0/8, 172.16.0.0/12 or "
                         "192.168.0.0/16")
    taken = _taken(dep)
    blocks = []
    for block in space.subnets(new_prefix=first.prefixlen):
        if block.network_address < first.network_address or any(block.overlaps(t) for t in taken):
            continue
        blocks.append(block)
        if len(blocks) == count:
            return blocks
    raise PraksError(f"{space} holds only {len(blocks)} free blocks of /{first.prefixlen} for {count} attendees "
                     f"(outside {', '.join(map(str, taken))})",
                     "use a base plan with smaller VNets (network.hub/spoke.address_space) or fewer attendees")


def _moved(prefix: str, offset: int) -> str:
    net = IPv4Network(prefix)
    return str(IPv4Network((int(net.network_address) + offset, net.prefixlen)))


def network_overrides(dep: Deployment, block: IPv4Network) -> dict[str, Any]:
    """The base's hub and spoke, every address moved by the distance between the base's block and ``block``."""
    offset = int(block.network_address) - int(plan_block(dep).network_address)
    network: dict[str, Any] = {}
    for side in ("hub", "spoke"):
        vnet = getattr(dep.network, side)
        values: dict[str, Any] = {"address_space": _moved(vnet.address_space, offset)}
        for field, subnet in vnet.subnet_fields():
            values[field] = {"name": subnet.name, "prefix": _moved(subnet.prefix, offset)}
        network[side] = values
    return network


def _portable(raw: dict[str, Any], dep: Deployment) -> dict[str, Any]:
    """The base's own keys, with a rule set given as a path made absolute (the file moves to another folder)."""
    data = dict(raw)
    rules = (raw.get("firewall") or {}).get("rules")
    if isinstance(rules, str) and (Path(rules).suffix in (".yaml", ".yml") or len(Path(rules).parts) > 1):
        data["firewall"] = {**raw["firewall"], "rules": str(rule_set_file(rules, dep.source_dir).resolve())}
    return data


def attendee_parameters(raw: dict[str, Any], dep: Deployment, name: str, block: IPv4Network) -> dict[str, Any]:
    """One attendee's parameters: the base's keys, the attendee's name and moved network. Names derived from
    the deployment name (groups, firewall, cluster, workspaces) follow it; names the base set explicitly would
    collide between attendees, so they are cleared to be derived."""
    data = _portable(raw, dep)
    data["name"] = name
    data["resource_groups"] = {"kube": "", "network": ""}
    base_network = dict(data.get("network") or {})
    moved = network_overrides(dep, block)
    for side in ("hub", "spoke"):
        base_network[side] = {**(base_network.get(side) or {}), **moved[side]}
    data["network"] = base_network
    for block_name, fields in (("firewall", ("name", "public_ip_name", "policy_name", "management_public_ip_name")),
                               ("route", ("table_name", "route_name")), ("aks", ("name", "dns_prefix"))):
        section = dict(data.get(block_name) or {})
        for field in fields:
            if section.get(field):
                section[field] = ""
        if section:
            data[block_name] = section
    if "monitoring" in data:
        data["monitoring"] = {**data["monitoring"], "firewall_workspace": {"name": "", "group": ""},
                              "cluster_workspace": {"name": "", "group": ""}}
    return data


def plan_room(count: int, prefix: str, base: str | Path | None = None, out: str | Path | None = None) -> RoomPlan:
    """Write one checked parameter file per attendee into ``out`` (default: parameters/room/) and a roster
    (attendees.csv: number, name, file, address block). Nothing is written unless every file passes."""
    source = Path(base) if base else default_parameters()
    dep = load_deployment(source)
    raw = read_parameter_file(source)
    names = attendee_names(prefix, count)
    blocks = address_blocks(dep, count)
    folder = Path(out) if out else project_dir() / "parameters" / "room"
    folder.mkdir(parents=True, exist_ok=True)
    planned: list[tuple[Attendee, dict]] = []
    problems: list[Finding] = []
    for number, (name, block) in enumerate(zip(names, blocks), 1):
        data = attendee_parameters(raw, dep, name, block)
        attendee = Attendee(number, name, folder / f"{name}.yaml", block)
        path = attendee.file
        path.write_text(_header(number, count, source) + yaml.safe_dump(data, sort_keys=False))
        try:
            load_deployment(path)
        except ParameterError as error:
            problems += [Finding(p.severity, p.code, f"{name}: {p.field}", p.message, p.fix) for p in error.problems]
        planned.append((attendee, data))
    if problems:
        for attendee, _ in planned:
            attendee.file.unlink(missing_ok=True)
        raise ParameterError(problems, f"the room planned from {source}")
    roster = folder / ROSTER
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "name", "file", "address_block"])
        for attendee, _ in planned:
            writer.writerow([attendee.number, attendee.name, attendee.file.name, attendee.block])
    return RoomPlan([a for a, _ in planned], dep, roster)


def _header(number: int, count: int, source: Path) -> str:
    return (f"# Attendee {number} of {count}, planned by `praks workshop plan` from {source}.\n"
            "# Its name and address block are its own: no other attendee's networks overlap it.\n")
