"""Test session set-up shared by pytest and nbval.

Notebook kernels are separate processes that find the emulator through PRAKS_STATE_DIR, so the
session points it at a fresh folder before any kernel starts: nbval then replays the committed
notebooks in order against an empty emulated cloud, as they were recorded.
"""
import os
import tempfile


def pytest_configure(config):
    os.environ["PRAKS_STATE_DIR"] = tempfile.mkdtemp(prefix="praks-test-state-")
