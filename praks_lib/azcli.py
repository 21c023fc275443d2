"""The `az` CLI commands equivalent to each stage, so readers can map the runbook to the docs."""
from __future__ import annotations

from praks_lib.params import Deployment


def network_commands(dep: Deployment) -> list[str]:
    rg, hub, spoke, tags = dep.resource_groups, dep.network.hub, dep.network.spoke, _tags(dep)
    commands = [f"az group create -n {name} -l {dep.location} --tags {tags}" for name in (rg.network, rg.kube)]
    for vnet in (hub, spoke):
        commands.append(f"az network vnet create -g {rg.network} -n {vnet.name} "
                        f"--address-prefixes {vnet.address_space} --tags {tags}")
        commands += [f"az network vnet subnet create -g {rg.network} --vnet-name {vnet.name} "
                     f"-n {s.name} --address-prefixes {s.prefix}" for s in vnet.subnets]
    for local, remote, name in ((hub, spoke, dep.network.hub_to_spoke_peering),
                                (spoke, hub, dep.network.spoke_to_hub_peering)):
        commands.append(f"az network vnet peering create -g {rg.network} -n {name} --vnet-name {local.name} "
                        f"--remote-vnet {remote.name} --allow-vnet-access --allow-forwarded-traffic")
    return commands


def _tags(dep: Deployment) -> str:
    return " ".join(f"{k}={v}" for k, v in dep.tags.items())


def as_markdown(commands: list[str]):
    """A fenced shell block for display in a notebook."""
    from IPython.display import Markdown

    return Markdown("```bash\n" + "\n".join(commands) + "\n```")
