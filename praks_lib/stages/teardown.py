"""Stage 99: what teardown would delete and keep, as a table to review before confirming."""
from __future__ import annotations

import pandas as pd

from praks_lib.teardown import TeardownItem

COLUMNS = ["action", "kind", "name", "resource_group"]


def teardown_table(items: list[TeardownItem]) -> pd.DataFrame:
    return pd.DataFrame([{c: getattr(i, c) for c in COLUMNS} for i in items], columns=COLUMNS)
