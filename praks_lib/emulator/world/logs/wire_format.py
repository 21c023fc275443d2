"""The Log Analytics query API's wire format: what ``POST /v1/workspaces/{id}/query`` reads and answers.

- the request's ``timespan`` (ISO 8601: ``PT1H``, ``start/end``, ``start/duration``) as Azure reads it;
- the ``Prefer`` header's options (``include-render=true``, ``include-statistics=true``);
- the 200 body: ``tables`` / ``columns`` (Log Analytics types) / ``rows``, values in Azure's JSON
  forms (Kusto's datetimes and timespans, dynamic as JSON text), ``PartialError`` beside rows cut at
  Azure's record limit;
- :class:`LogQueryError`: the HTTP status and the exact error body of a query Azure refuses.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import isodate

#: Log Analytics returns at most this many records; more is a PartialError with the rows cut.
MAX_RESULT_RECORDS = 500_000
BAD_ARGUMENT = "The request had some invalid properties"
#: Log Analytics' generic texts for Kusto's two error classes (the useful detail is one level
#: deeper, which is what azure-monitor-query shows).
QUERY_ERROR_MESSAGES = {"SyntaxError": "A recognition error occurred in the query.",
                        "SemanticError": "A semantic error occurred."}


@dataclass
class LogQueryError(Exception):
    """A query Log Analytics refuses: the HTTP status and the exact error body it sends."""

    status: int
    body: dict[str, Any]

    def __post_init__(self) -> None:
        super().__init__(_deepest_message(self.body["error"]))


def error_body(code: str, message: str, innererror: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error as the query API sends it (``error.message`` / ``code`` / ``correlationId``)."""
    error = {"message": message, "code": code, "correlationId": str(uuid.uuid4())}
    if innererror:
        error["innererror"] = innererror
    return {"error": error}


def query_error(code: str, detail_code: str, detail_message: str,
                extra: dict[str, Any] | None = None) -> LogQueryError:
    """A query Kusto refuses (``code``: ``SyntaxError`` or ``SemanticError``; ``detail_code`` e.g.
    ``SYN0002``; ``extra``: line/pos/token of a syntax error), as the API's 400 body nests it."""
    detail = {"code": detail_code, "message": detail_message, **(extra or {})}
    return LogQueryError(400, error_body("BadArgumentError", BAD_ARGUMENT, {
        "code": code, "message": QUERY_ERROR_MESSAGES[code], "innererror": detail}))


def time_window(timespan: str | None, now: datetime) -> tuple[datetime, datetime] | None:
    """[start, end] in naive UTC from the request's ISO 8601 timespan, as Azure reads it."""
    if not timespan:
        return None
    try:
        if "/" not in timespan:
            return now - _duration(timespan), now
        first, second = timespan.split("/", 1)
        if first.upper().startswith("P"):
            end = _instant(second)
            return end - _duration(first), end
        start = _instant(first)
        end = start + _duration(second) if second.upper().startswith("P") else _instant(second)
        return start, end
    except (ValueError, isodate.ISO8601Error) as exc:
        raise LogQueryError(400, error_body(
            "BadArgumentError", BAD_ARGUMENT,
            {"code": "InvalidTimespan", "message":
             f"Timespan {timespan!r} is not an ISO 8601 interval: use a duration (PT1H, P1D), "
             f"start/end or start/duration ({exc})."},
        )) from exc


def _duration(text: str) -> timedelta:
    value = isodate.parse_duration(text)
    if not isinstance(value, timedelta):  # years/months: no fixed length
        value = value.totimedelta(end=datetime.now())
    return value


def _instant(text: str) -> datetime:
    moment = isodate.parse_datetime(text)
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def prefer_options(prefer: str | None) -> dict[str, str]:
    options = {}
    for part in (prefer or "").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            options[key.lower()] = value.strip().lower()
    return options


def result_body(columns: list[tuple[str, str]], rows: list[tuple[Any, ...]], truncated: bool) -> dict[str, Any]:
    """The 200 body for one result table (``PrimaryResult``), with ``PartialError`` when cut."""
    body: dict[str, Any] = {
        "tables": [{
            "name": "PrimaryResult",
            "columns": [{"name": n, "type": t} for n, t in columns],
            "rows": [[_json_value(value, la_type) for value, (_, la_type) in zip(row, columns)]
                     for row in rows],
        }]
    }
    if truncated:
        body["error"] = _partial_error(MAX_RESULT_RECORDS)
    return body


def _json_value(value: Any, la_type: str) -> Any:
    """A value as Log Analytics writes it in JSON (dynamic is JSON text, like Azure)."""
    if value is None:
        return None
    if la_type == "dynamic":
        return value if isinstance(value, str) else json.dumps(value, default=_json_default)
    if isinstance(value, datetime):
        return _iso_datetime(value)
    if isinstance(value, date):
        return _iso_datetime(datetime(value.year, value.month, value.day))
    if isinstance(value, timedelta):
        return _timespan_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _json_default(value: Any) -> Any:
    """Values nested in a dynamic (datetimes, timespans, guids) in their scalar JSON form."""
    return _json_value(value, "")


def _iso_datetime(value: datetime) -> str:
    """``2024-01-01T10:00:00Z`` / ``...:00.123Z``: Kusto's round-trip form, zeros trimmed."""
    if value.tzinfo:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _timespan_text(value: timedelta) -> str:
    """.NET TimeSpan form, as Kusto writes it: ``[-][d.]hh:mm:ss[.fffffff]``."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{f'{value.days}.' if value.days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{value.microseconds * 10:07d}" if value.microseconds else "")


def _partial_error(limit: int) -> dict[str, Any]:
    return {
        "code": "PartialError",
        "message": "There were some errors when processing your query.",
        "details": [{
            "code": "EngineError",
            "message": "Something went wrong processing your query on the server.",
            "innererror": {
                "code": "-2133196797",
                "message": f"Query result set has exceeded the internal record count limit "
                           f"{limit} (E_QUERY_RESULT_SET_TOO_LARGE; see "
                           f"https://aka.ms/kustoquerylimits)",
                "severity": 2,
                "severityName": "Error",
            },
        }],
    }


def _deepest_message(error: dict[str, Any]) -> str:
    while error.get("innererror"):
        error = error["innererror"]
    return str(error.get("message", ""))
