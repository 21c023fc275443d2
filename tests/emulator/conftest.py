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


ARM = "https://management.azure.com"


@pytest.fixture
def arm_call(emu):
    """Send one request straight through the emulator transport (no SDK policies); a
    requests.Response comes back. ``token=False`` leaves out the Authorization header."""

    def send(method, path, *, token=True, api_version="2025-04-01", json=None):
        session = emu.transport().session
        headers = {"Authorization": "Bearer " + emu.credential.get_token("x").token} if token else {}
        query = {"api-version": api_version} if api_version else {}
        return session.request(method, ARM + path, params=query, headers=headers, json=json)

    return send


@pytest.fixture
def group(resources):
    """A resource group 'rg' in westeurope."""
    return resources.resource_groups.create_or_update("rg", {"location": "westeurope"})
