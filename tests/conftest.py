"""Fixtures shared by the deploy, validate and runner tests: a deployment and clients on a fresh emulator."""
import pytest

from praks_lib.cloud import connect
from praks_lib.params import load_deployment


@pytest.fixture
def dep():
    return load_deployment()


@pytest.fixture
def clients(dep, tmp_path):
    return connect(dep, state_dir=tmp_path / "cloud")
