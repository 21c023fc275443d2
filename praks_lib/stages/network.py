"""Stage 01: the VNets and subnets as deployed, and the verdict on the peerings."""
from __future__ import annotations

import pandas as pd

from praks_lib.azure.ids import name_of, state_text
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import read_or_none
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.stages import Verdict


def network_table(clients: Clients, dep: Deployment) -> pd.DataFrame:
    """VNets and subnets as deployed, read back from the cloud."""
    rows = []
    for planned in (dep.network.hub, dep.network.spoke):
        vnet = clients.network.virtual_networks.get(dep.resource_groups.network, planned.name)
        for subnet in vnet.subnets or []:
            rows.append({"vnet": vnet.name, "address space": ", ".join(vnet.address_space.address_prefixes),
                         "subnet": subnet.name, "prefix": subnet.address_prefix,
                         "route table": name_of(subnet.route_table.id) if subnet.route_table else "",
                         "state": state_text(subnet.provisioning_state)})
    return pd.DataFrame(rows)


def network_verdict(clients: Clients, dep: Deployment) -> Verdict:
    """PASS when both peerings are Connected; otherwise a StageError that says what to do."""
    group = dep.resource_groups.network
    states = {}
    for vnet, name in ((dep.network.hub.name, dep.network.hub_to_spoke_peering),
                       (dep.network.spoke.name, dep.network.spoke_to_hub_peering)):
        peering = read_or_none(lambda: clients.network.virtual_network_peerings.get(group, vnet, name))
        states[f"{vnet}/{name}"] = state_text(peering.peering_state) if peering else "missing"
    broken = {k: v for k, v in states.items() if v != "Connected"}
    if broken:
        detail = ", ".join(f"{k} is {v}" for k, v in broken.items())
        raise StageError(f"FAIL: {detail}. Re-run 01_network: a peering connects once both directions exist.")
    return Verdict(f"PASS: hub and spoke deployed; peerings {', '.join(states)} Connected.")
