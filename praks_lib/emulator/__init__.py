"""Offline, in-process emulator of the Azure APIs the runbook uses (see DESIGN.md, "The emulator").

- :mod:`service` — :class:`Emulator`, the facade: one per state folder, serving the SDK clients;
- :mod:`platform` — how requests arrive and how ARM behaves, whatever the resource;
- :mod:`providers` — one per Azure resource provider: its resource types, validation, handlers;
- :mod:`world` — what the resources do once they exist: network, data plane, DNS, logs, Kubernetes, VMs.

It stands on the shared layer (``praks_lib.azure``, ``praks_lib.firewall``) and never on the runbook.
"""

from praks_lib.emulator.service import Emulator, default_state_dir, reset_state

__all__ = ["Emulator", "default_state_dir", "reset_state"]
