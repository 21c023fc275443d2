"""Offline, in-process emulator of the Azure APIs the runbook uses (see DESIGN.md, "The emulator")."""

from praks_lib.emulator.service import Emulator, default_state_dir

__all__ = ["Emulator", "default_state_dir"]
