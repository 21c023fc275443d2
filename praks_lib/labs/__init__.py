"""Break-and-fix labs (notebooks/labs/): each breaks a healthy deployment the way people break theirs on
Azure, lets the attendee diagnose it with the runbook's own tools, and ends in a check that passes only
once it is fixed.

Every lab builds its own copy of the attendee's deployment (its own name and address block, so it never
touches the stages' deployment), through the same SDK calls as the stages, so a lab runs on Azure as it
runs offline. Offline each lab has an emulated cloud of its own (``<state>/labs/<lab>``), emptied when
the lab opens: a lab run top to bottom starts from nothing and shows the same thing every time. One module per lab, each with ``break_it``,
``fix`` (what the ``solution`` parameter applies) and ``check``.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from praks_lib.azure.ids import group_of, name_of
from praks_lib.cloud import Clients, connect, fresh_emulator
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.firewall import RuleSet
from praks_lib.params import load_deployment
from praks_lib.project import project_dir
from praks_lib.stages import Verdict, start
from praks_lib.stages.firewall import deployed_rules
from praks_lib.workshop import address_blocks, network_overrides

# lab module → the deployment name of its environment (5-8 lowercase letters or digits)
LABS = {"hub_dns": "labdns", "blocked_endpoint": "labegres", "route_detached": "labroute",
        "logs_nowhere": "lablogs", "broad_rule": "labwide", "asymmetric_lb": "labasym"}
FIRST_BLOCK = 192  # lab environments take address blocks far above a room's attendees (praks_lib.workshop)


def open_lab(lab: str, deployment_file: str, backend: str = "") -> tuple[Deployment, Clients]:
    """The lab's own copy of the deployment file: the lab's name, an address block of its own."""
    base, _ = start(deployment_file, backend)
    block = address_blocks(base, FIRST_BLOCK + len(LABS))[FIRST_BLOCK + list(LABS).index(lab)]
    overrides = {"name": LABS[lab], "network": network_overrides(base, block)}
    if backend:
        overrides["backend"] = {"kind": backend}
    dep = load_deployment(deployment_file, overrides)
    print(f"Lab environment: {dep.name} in {block} (resource groups {dep.resource_groups.network}, "
          f"{dep.resource_groups.kube})")
    if dep.backend.kind != "emulator":
        return dep, connect(dep)
    state = lab_state_dir(dep.name)
    return dep, Clients(lambda: fresh_emulator(state), backend="emulator")


def lab_state_dir(name: str) -> Path:
    """A lab's own emulated cloud, beside the stages' ($PRAKS_STATE_DIR or the project's .praks/)."""
    return Path(os.environ.get("PRAKS_STATE_DIR") or project_dir() / ".praks") / "labs" / name


def deploy_healthy(clients: Clients, dep: Deployment) -> None:
    """Stages 01-06 as the notebooks run them: what the lab breaks (a re-run puts back what a fix left)."""
    changed = [c for c in deploy_all(clients, dep) if c.action != "unchanged"]
    print(f"Healthy environment ready ({len(changed)} resources created or put back).")


def apply_rules(clients: Clients, dep: Deployment, rules: RuleSet) -> None:
    """Write a rule set where the deployed firewall keeps its rules: into its Firewall Policy's rule
    collection groups, or as classic collections on the firewall (as az network firewall does)."""
    group = dep.resource_groups.network
    firewall = clients.network.azure_firewalls.get(group, dep.firewall.name)
    if firewall.firewall_policy is not None:
        policy, groups = name_of(firewall.firewall_policy.id), clients.network.firewall_policy_rule_collection_groups
        for model in rules.in_policy().to_sdk_rule_collection_groups():
            groups.begin_create_or_update(group_of(firewall.firewall_policy.id), policy, model.name, model).result()
        return
    for attribute, collections in rules.to_sdk_firewall_collections().items():
        setattr(firewall, attribute, collections)
    clients.network.azure_firewalls.begin_create_or_update(group, dep.firewall.name, firewall).result()


def live_rules(clients: Clients, dep: Deployment) -> RuleSet:
    """The firewall's rules as Azure holds them now (not as the parameters say): its policy's or its own."""
    firewall = clients.network.azure_firewalls.get(dep.resource_groups.network, dep.firewall.name)
    return deployed_rules(clients, firewall)


def table(rows: list) -> pd.DataFrame:
    """Validation rows (praks_lib.validate.CheckRow) as the table 07_validate shows."""
    return pd.DataFrame([asdict(row) for row in rows])


def verdict(ok: bool, passed: str, failed: str, fix: str) -> Verdict:
    """The lab's check: PASS, or a StageError with the symptom still seen and where to look."""
    if not ok:
        raise StageError(f"FAIL: {failed}", fix)
    return Verdict(f"PASS: {passed}")
