"""Microsoft.OperationalInsights workspaces (Log Analytics), and where their log data lives.

A workspace's ``customerId`` (the "Workspace ID" the query API takes) is derived from its resource
id, so it is the same on every run and comes back when a deleted workspace is re-created, as
Azure's recovery of a soft-deleted workspace gives back its customerId.

Log data: rows live in :class:`~praks_lib.emulator.world.logs.store.LogStore` under the state folder, keyed
by customerId. Azure keeps a deleted workspace soft-deleted for 14 days (unless ``force=true``)
and a re-create in that window recovers its data. The emulator always deletes permanently, and a
newly created workspace starts empty: a teardown and rebuild (or ``emu.reset()``) then shows the
same query results as the first run, which keeps notebook outputs stable.

Azure answers a workspace PUT with the workspace at once (no ``Azure-AsyncOperation``); the
emulator's workspace is ``Succeeded`` straight away.
"""

from __future__ import annotations

from pathlib import Path

from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.platform.store import Transaction
from praks_lib.emulator.world.logs.pending import PendingRows
from praks_lib.emulator.world.logs.store import LogStore

WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces"
DEFAULT_SKU = "PerGB2018"
DEFAULT_RETENTION_DAYS = 30
# Properties Azure fills in and a client cannot set (kept from the stored workspace).
SERVER_OWNED = ("customerId", "createdDate", "modifiedDate")

routes = ArmRoutes()


def log_store(tx: Transaction) -> LogStore:
    """The LogStore of the state folder whose cloud ``tx`` reads (the folder of its SQLite file)."""
    database = tx.conn.execute("PRAGMA database_list").fetchone()[2]
    return LogStore(Path(database).parent)


def pending_logs(tx: Transaction) -> PendingRows:
    """Where log rows sent during ``tx`` go: written as one append per (workspace, table) once the
    transaction ends, committed or rolled back (traffic the firewall saw stays logged even when the
    operation then fails), before the request's response returns."""
    return tx.deferred("log rows", lambda: PendingRows(log_store(tx)))


def customer_id(resource_id: str) -> str:
    return stable_uuid("customerId", resource_id)


def workspaces(tx: Transaction) -> list[dict]:
    """Every workspace in the emulated cloud, in creation order."""
    return tx.list(WORKSPACE_TYPE, "/subscriptions")


def workspace_by_reference(tx: Transaction, reference: str) -> dict | None:
    """The workspace a query names: by customerId, by resource id or by name (as Azure accepts
    in a cross-workspace query's ``workspaces`` list)."""
    wanted = reference.strip().lower()
    for workspace in workspaces(tx):
        if wanted in (workspace["properties"]["customerId"], workspace["id"].lower(),
                      workspace["name"].lower()):
            return workspace
    return None


class Workspaces(ResourceType):
    type = WORKSPACE_TYPE
    long_running = False
    has_etag = False

    def build(self, call, rid, request, existing):
        properties = request.setdefault("properties", {})
        for key in SERVER_OWNED:
            properties.pop(key, None)
        properties["customerId"] = customer_id(str(rid))
        properties["sku"] = properties.get("sku") or {"name": DEFAULT_SKU}
        properties.setdefault("retentionInDays", DEFAULT_RETENTION_DAYS)
        properties.setdefault("publicNetworkAccessForIngestion", "Enabled")
        properties.setdefault("publicNetworkAccessForQuery", "Enabled")
        properties.setdefault("features", {"legacy": 0, "searchVersion": 1,
                                           "enableLogAccessUsingOnlyResourcePermissions": True})
        properties.setdefault("workspaceCapping", {"dailyQuotaGb": -1.0,
                                                   "dataIngestionStatus": "RespectQuota"})
        if existing is None:  # a new workspace has no rows, even if an old one had this id
            log_store(call.tx).reset(properties["customerId"])
        return request

    def after_delete(self, call, rid, stored):
        """Deleted permanently (Azure's ``force=true``): the rows go with it."""
        log_store(call.tx).reset(stored["properties"]["customerId"])


WORKSPACES = routes.resource(Workspaces())
