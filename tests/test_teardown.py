"""Teardown deletes every tagged resource and touches nothing untagged; a second run does nothing."""
import shutil

import pytest
from azure.mgmt.network.models import AddressSpace, VirtualNetwork
from azure.mgmt.resource.resources.models import ResourceGroup

from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.teardown import plan_teardown, teardown


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    state = tmp_path_factory.mktemp("template") / "cloud"
    dep = load_deployment()
    clients = connect(dep, state_dir=state)
    deploy_all(clients, dep)
    # Someone else's group next door, untagged, and an untagged VNet inside the deployment's network group.
    clients.resource.resource_groups.create_or_update("neighbour", ResourceGroup(location=dep.location))
    clients.network.virtual_networks.begin_create_or_update("neighbour", "their-vnet", VirtualNetwork(
        location=dep.location, address_space=AddressSpace(address_prefixes=["10.9.0.0/16"]))).result()
    return state


@pytest.fixture
def world(template, tmp_path):
    shutil.copytree(template, tmp_path / "cloud")
    dep = load_deployment()
    return connect(dep, state_dir=tmp_path / "cloud"), dep


def test_plan_lists_only_what_is_tagged(world):
    clients, dep = world
    plan = plan_teardown(clients, dep)
    assert [(i.action, i.name) for i in plan] == [
        ("delete group", "dzpraks1_kube"), ("delete group", "dzpraks1_networks"),
        ("deleted with the cluster", dep.node_resource_group)]


def test_nothing_is_deleted_without_confirmation(world):
    clients, dep = world
    said = []
    assert teardown(clients, dep, plan_teardown(clients, dep), confirm="", echo=said.append) == []
    assert "set confirm to 'dzpraks1'" in said[0]
    with pytest.raises(StageError, match="Nothing deleted: confirm is 'otherdep', not this deployment's name"):
        teardown(clients, dep, plan_teardown(clients, dep), confirm="otherdep", echo=said.append)
    assert clients.resource.resource_groups.check_existence("dzpraks1_networks")


def test_teardown_removes_all_tagged_and_keeps_the_neighbour(world):
    clients, dep = world
    deleted = teardown(clients, dep, plan_teardown(clients, dep), confirm="dzpraks1", echo=lambda _: None)
    assert deleted == ["resource group dzpraks1_kube", "resource group dzpraks1_networks"]
    groups = {g.name for g in clients.resource.resource_groups.list()}
    assert groups == {"neighbour"}
    assert [v.name for v in clients.network.virtual_networks.list("neighbour")] == ["their-vnet"]
    assert list(clients.resource.resources.list(filter="tagName eq 'praks-deployment' and tagValue eq 'dzpraks1'")) == []
    said = []
    assert teardown(clients, dep, plan_teardown(clients, dep), confirm="dzpraks1", echo=said.append) == []
    assert said == ["Nothing to delete: no resource carries the tag praks-deployment=dzpraks1."]


def test_a_shared_group_keeps_what_is_not_ours(world):
    clients, dep = world
    group = dep.resource_groups.network
    clients.network.virtual_networks.begin_create_or_update(group, "theirs", VirtualNetwork(
        location=dep.location, address_space=AddressSpace(address_prefixes=["10.8.0.0/16"]))).result()
    plan = plan_teardown(clients, dep)
    assert ("keep (not tagged)", "theirs") in [(i.action, i.name) for i in plan]
    assert ("delete group", group) not in [(i.action, i.name) for i in plan]
    teardown(clients, dep, plan, confirm="dzpraks1", echo=lambda _: None)
    assert [v.name for v in clients.network.virtual_networks.list(group)] == ["theirs"]
    assert clients.resource.resource_groups.check_existence(group)
    left = list(clients.resource.resources.list(filter="tagName eq 'praks-deployment' and tagValue eq 'dzpraks1'"))
    assert left == [], [r.id for r in left]
