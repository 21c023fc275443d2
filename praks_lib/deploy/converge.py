"""Idempotent create-or-update with a record of what changed, so a re-run can say "nothing"."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Literal

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from praks_lib.errors import StageError

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: Action
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.action:<9} {self.kind} {self.name}{detail}"


def read_or_none(read: Callable[[], Any]) -> Any:
    """The resource, or None when Azure answers 404."""
    try:
        return read()
    except ResourceNotFoundError:
        return None


def require(read: Callable[[], Any], what: str, stage: str) -> Any:
    """A resource an earlier stage creates; its absence is a StageError naming that stage."""

    found = read_or_none(read)
    if found is None:
        raise StageError(f"{what} does not exist yet: run {stage} first.")
    return found


def converge(kind: str, name: str, read: Callable[[], Any], desired: Callable[[Any], Any],
             write: Callable[[Any], Any], owned: tuple[str, ...] = ()) -> Change:
    """Read the resource, compute its desired form from it, and write only if that differs.

    `desired(current)` gets the current SDK model (or None) and returns the model to write, built
    from the current one so properties owned by later stages (route tables on a subnet, links)
    survive a re-run of an earlier stage. `owned` names the attributes (dotted, e.g.
    "network_profile.network_plugin_mode") the runbook sets even to nothing: a value the parameters
    clear must be cleared on Azure too, which comparing only the values written cannot see.
    """
    current = read_or_none(read)
    wanted = desired(current)
    failed = current is not None and failed_provisioning(current)
    if current is not None and not failed and _same(current, wanted) and all(
            _attribute(current, path) == _attribute(wanted, path) for path in owned):
        return Change(kind, name, "unchanged")
    try:
        write(wanted)
    except HttpResponseError as error:  # Azure refused it: say which resource, Azure's code and message
        verb = "create" if current is None else "re-provision" if failed else "update"
        raise StageError(f"Azure refused to {verb} {kind} {name}: {error.message}") from error
    return Change(kind, name, "created" if current is None else "updated",
                  "it was Failed; its desired state re-applied" if failed else "")


def failed_provisioning(resource: Any) -> bool:
    """Whether the resource's last operation failed (provisioningState Failed).

    Azure keeps such a resource as it was left; a PUT of its desired state provisions it again
    (for a cluster that is the PUT `az aks update` sends with no change). Comparing values cannot see
    this, so a re-run must write even when every value already matches.
    """
    state = getattr(resource, "provisioning_state", None)
    return str(getattr(state, "value", state) or "").lower() == "failed"


def _attribute(model: Any, path: str) -> Any:
    """A dotted attribute of an SDK model, None where any step is missing."""
    for part in path.split("."):
        model = getattr(model, part, None)
        if model is None:
            return None
    return model


def _same(current: Any, wanted: Any) -> bool:
    return _covers(current.as_dict(), wanted.as_dict())


def _covers(current: Any, wanted: Any) -> bool:
    """Whether the resource already has every value we would write.

    Azure adds values of its own (ids, etags, provisioning states of child items) that a desired model
    built from parameters does not carry; they must not count as a difference. ARM ids compare
    without case, as ARM treats them.
    """
    if isinstance(wanted, dict):
        if not isinstance(current, dict):
            return False
        keys = {_id_key(k): k for k in current}  # ARM ids as keys (user-assigned identities) ignore case too
        return all(_id_key(k) in keys and _covers(current[keys[_id_key(k)]], v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (isinstance(current, list) and len(current) == len(wanted)
                and all(_covers(c, w) for c, w in zip(current, wanted)))
    if isinstance(wanted, str) and isinstance(current, str) and wanted.startswith("/subscriptions/"):
        return wanted.lower() == current.lower()
    return current == wanted


def wait_for(poller, what: str, every: float = 30.0, echo=print) -> Any:
    """The operation's result; while it runs (minutes for a firewall or a cluster on Azure) say so."""
    started = time.monotonic()
    while not poller.done():
        poller.wait(timeout=every)
        if not poller.done():
            echo(f"  … {what}: {poller.status()} after {time.monotonic() - started:.0f} s")
    return poller.result()


def _id_key(key: str) -> str:
    return key.lower() if key.startswith("/subscriptions/") else key
