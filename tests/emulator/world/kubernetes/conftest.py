"""Fixtures for the Kubernetes tests: the fake cluster, its fake data plane, and kubectl on them."""
from __future__ import annotations

import pytest

from praks_lib.emulator.world.kubernetes import run_kubectl

from .fake_cluster import NOW, FakeDataPlane, make_cluster


@pytest.fixture
def state():
    return make_cluster()


@pytest.fixture
def dataplane():
    return FakeDataPlane()


@pytest.fixture
def kubectl(state, dataplane):
    """Run one command line against the cluster: (exit code, output)."""

    def run(command_line, files=None, now=NOW):
        return run_kubectl(state, command_line, context_files=files or {}, network=dataplane.network,
                           resolve=dataplane.resolve, now=now)

    return run
