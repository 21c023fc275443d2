"""Deterministic values: GUIDs, etags and addresses derived from resource ids, not from chance,
so the same requests give the same cloud and notebook outputs stay the same from run to run."""

from __future__ import annotations

import uuid

EMULATOR_NAMESPACE = uuid.UUID("5f0b7a52-2c55-4a36-9a0e-0d1f9b5c7a11")


def stable_uuid(*parts: str) -> str:
    """A GUID that depends only on ``parts`` (case-insensitive), e.g. a resource's id."""
    return str(uuid.uuid5(EMULATOR_NAMESPACE, "|".join(p.lower() for p in parts)))
