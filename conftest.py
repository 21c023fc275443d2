"""Test session set-up shared by pytest and nbval.

Notebook kernels are separate processes that find the emulator through PRAKS_STATE_DIR, so the
session points it at a fresh folder before any kernel starts: nbval then replays the committed
notebooks in order against an empty emulated cloud, as they were recorded.

The clock is pinned (PRAKS_TODAY) to the day the committed outputs were recorded, so Azure's moving
calendar (Kubernetes versions, the age of praks's facts) never breaks a test or a notebook comparison.
"""
import os
import tempfile

RECORDED_ON = "2026-12-01"


def pytest_configure(config):
    os.environ["PRAKS_STATE_DIR"] = tempfile.mkdtemp(prefix="praks-test-state-")
    os.environ["PRAKS_TODAY"] = RECORDED_ON
