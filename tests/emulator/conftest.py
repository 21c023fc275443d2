"""Fixtures for emulator tests: an emulator on a fresh folder and real SDK clients wired to it."""

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.emulator import Emulator


@pytest.fixture
def emu(tmp_path):
    return Emulator(tmp_path / "state")


@pytest.fixture
def resources(emu):
    return ResourceManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())


@pytest.fixture
def network(emu):
    return NetworkManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())


@pytest.fixture
def group(resources):
    """A resource group 'rg' in westeurope."""
    return resources.resource_groups.create_or_update("rg", {"location": "westeurope"})
