"""Fixtures shared by the deploy, validate and runner tests: a deployment and clients on a fresh emulator."""
import pytest

from praks_lib.cloud import connect
from praks_lib.params import load_deployment
from praks_lib.project import scenario_file


@pytest.fixture
def dep():
    return load_deployment()


@pytest.fixture
def walkthrough_2020():
    """The 2020 walkthrough's design (classic rules, flat Azure CNI, a private-link API server), for tests
    of what that design does; the default parameter file builds baseline-2026."""
    return load_deployment(scenario_file("walkthrough-2020"))


@pytest.fixture
def clients(dep, tmp_path):
    return connect(dep, state_dir=tmp_path / "cloud")
