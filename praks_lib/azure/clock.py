"""Today's date, as praks decides with it: which Kubernetes versions Azure supports, how old the facts are.

``$PRAKS_TODAY`` (YYYY-MM-DD) pins it, so tests and the committed notebook outputs do not change as
the calendar moves; the emulator answers its versions API for the same date. Unpinned, it is the
UTC date.
"""
from __future__ import annotations

import datetime as dt
import os

TODAY_ENV = "PRAKS_TODAY"


def today() -> dt.date:
    pinned = os.environ.get(TODAY_ENV, "").strip()
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise ValueError(f"${TODAY_ENV} is '{pinned}'; set it to a date such as 2026-12-01, or unset it") from None
    return dt.datetime.now(dt.timezone.utc).date()
