"""Stage 99: what teardown would delete and keep, as a table to review before confirming."""
from __future__ import annotations

import pandas as pd

from praks_lib.stages.tables import laid_out
from praks_lib.teardown import TeardownItem

COLUMNS = ["action", "kind", "name", "resource_group"]


def teardown_table(items: list[TeardownItem]) -> pd.DataFrame:
    """What teardown would do with each item; the caption counts what praks deletes itself and what
    goes with those (the cluster's node resource group, which AKS deletes)."""
    deletes = sum(i.action.startswith("delete ") for i in items)
    follows = sum(i.action == "deleted with the cluster" for i in items)
    kept = len(items) - deletes - follows
    caption = f"{deletes} to delete" + (f"; {follows} deleted by Azure with them" if follows else "") + (
        f"; {kept} kept" if kept else "")
    return laid_out(pd.DataFrame([{c: getattr(i, c) for c in COLUMNS} for i in items], columns=COLUMNS),
                    caption=caption, empty="Nothing carries the deployment's tag: nothing to delete.")
