"""Injected faults: transient ARM errors and failed long-running operations.

For reliability tests and break-and-fix labs. Faults live in the state file, so a fault injected
from a test or a lab setup cell also hits the notebook kernel that talks to the same state folder.

    emu.inject_fault("PUT", r"/virtualNetworks/hub-vnet$", status=429, times=2)
        # the next two matching requests answer 429 SubscriptionRequestsThrottled with Retry-After
    emu.inject_fault("GET", r"/resourceGroups/", status=500)
        # one 500 InternalServerError (the SDK's retry policy retries it)
    emu.fail_operation("PUT", r"/azureFirewalls/", code="InternalServerError",
                       message="An error occurred.")
        # the next matching PUT is accepted, then its operation ends "Failed" with that error and
        # the resource shows provisioningState "Failed"
    emu.clear_faults()

``method`` is an HTTP method or ``"*"``; ``path_regex`` is searched (case-insensitively) in the
URL path, without the query string. A fault is used ``times`` times, oldest first.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from praks_lib.emulator.platform.router import Call, Request, Response

DEFAULT_ERRORS = {
    HTTPStatus.TOO_MANY_REQUESTS: (
        "SubscriptionRequestsThrottled",
        "Number of requests for subscription '{subscription}' exceeded the limit of '1200' for "
        "time interval '01:00:00'. Please try again after '{retry_after}' seconds.",
    ),
    HTTPStatus.INTERNAL_SERVER_ERROR: (
        "InternalServerError",
        "Encountered internal server error. Diagnostic information: timestamp "
        "'20250101T000000Z', subscription id '{subscription}'.",
    ),
    HTTPStatus.SERVICE_UNAVAILABLE: (
        "ServiceUnavailable",
        "The server is currently unable to handle the request. Please try again later.",
    ),
}
DEFAULT_RETRY_AFTER = 1


def fault_record(kind: str, method: str, path_regex: str, status: int | None, code: str | None,
                 message: str | None, times: int, retry_after: int | None,
                 subscription: str) -> dict:
    """Validate a fault and fill Azure's code and message for its status when not given."""
    re.compile(path_regex)
    if times < 1:
        raise ValueError(f"times must be 1 or more, got {times}")
    if kind == "response" and status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER
    default_code, default_message = DEFAULT_ERRORS.get(
        status, ("InternalServerError", "An error occurred.")
    )
    return {
        "kind": kind,
        "method": method.upper(),
        "path_regex": path_regex,
        "status": status,
        "code": code or default_code,
        "message": message
        or default_message.format(subscription=subscription, retry_after=retry_after),
        "retry_after": retry_after,
        "times": times,
    }


def _take(call_tx, kind: str, request: Request) -> dict | None:
    for fault in call_tx.faults(kind):
        if fault["method"] not in ("*", request.method):
            continue
        if re.search(fault["path_regex"], request.path, re.IGNORECASE):
            call_tx.consume_fault(fault["id"])
            return fault
    return None


def take_response_fault(tx, request: Request) -> Response | None:
    """The error response of the first matching response fault (used up by one), if any."""
    fault = _take(tx, "response", request)
    if fault is None:
        return None
    headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] else {}
    return Response(fault["status"], {"error": {"code": fault["code"], "message": fault["message"]}},
                    headers)


def take_operation_fault(call: Call) -> dict | None:
    """The error a matching operation fault makes this request's operation end with, if any."""
    fault = _take(call.tx, "operation", call.request)
    return {"code": fault["code"], "message": fault["message"]} if fault else None
