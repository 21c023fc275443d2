"""The Log Analytics query API (``https://api.loganalytics.io/v1``), as azure-monitor-query calls it.

``POST /v1/workspaces/{workspaceId}/query`` with ``{"query", "timespan", "workspaces"}`` (and
``GET`` with ``?query=&timespan=``) answers from :class:`~praks_lib.emulator.world.logs.store.LogStore`: the
``tables`` / ``columns`` / ``rows`` body, ``PartialError`` beside the rows when a result is cut,
and Azure's error bodies for bad queries. ``workspaceId`` is the workspace's customerId; an id
that names no workspace gets Azure's 404 ``PathNotFoundError``. The ``workspaces`` of a
cross-workspace query may be customerIds, names or resource ids, as Azure accepts them.
"""

from __future__ import annotations

from http import HTTPStatus

from praks_lib.emulator.platform.router import Call, Response, Routes
from praks_lib.emulator.providers.operationalinsights import log_store, workspace_by_reference
from praks_lib.emulator.world.logs.wire_format import BAD_ARGUMENT, LogQueryError, error_body

LOG_ANALYTICS_HOST = "api.loganalytics.io"
QUERY = "/v1/workspaces/{workspaceId}/query"

PATH_NOT_FOUND = "The requested path does not exist"
QUERY_MISSING = "The request body must contain a 'query' (the KQL text to run)."
WORKSPACE_UNKNOWN = (
    "Workspace '{workspace}' in 'workspaces' was not found: name a workspace by its customerId, "
    "name or resource id."
)

routes = Routes(host=LOG_ANALYTICS_HOST)


def error(status: int, code: str, message: str, innererror: dict | None = None) -> Response:
    return Response(status, error_body(code, message, innererror))


def answer(call: Call, query: str | None, timespan: str | None, extra: list[str]) -> Response:
    workspace = workspace_by_reference(call.tx, call.params["workspaceId"])
    if workspace is None or workspace["properties"]["customerId"] != call.params["workspaceId"].lower():
        return error(HTTPStatus.NOT_FOUND, "PathNotFoundError", PATH_NOT_FOUND)
    if not query:
        return error(HTTPStatus.BAD_REQUEST, "BadArgumentError", BAD_ARGUMENT,
                     {"code": "QueryMissing", "message": QUERY_MISSING})
    additional = []
    for reference in extra:
        other = workspace_by_reference(call.tx, reference)
        if other is None:
            return error(HTTPStatus.BAD_REQUEST, "BadArgumentError", BAD_ARGUMENT,
                         {"code": "WorkspaceNotFound",
                          "message": WORKSPACE_UNKNOWN.format(workspace=reference)})
        additional.append(other["properties"]["customerId"])
    headers = {k.lower(): v for k, v in call.request.headers.items()}
    try:
        body = log_store(call.tx).query(
            workspace["properties"]["customerId"], query, timespan,
            additional_workspaces=sorted(set(additional) - {workspace["properties"]["customerId"]}),
            prefer=headers.get("prefer"))
    except LogQueryError as refused:
        return Response(refused.status, refused.body)
    return Response(HTTPStatus.OK, body)


@routes.post(QUERY)
def query_post(call: Call) -> Response:
    body = call.request.body if isinstance(call.request.body, dict) else {}
    return answer(call, body.get("query"), body.get("timespan"), body.get("workspaces") or [])


@routes.get(QUERY)
def query_get(call: Call) -> Response:
    return answer(call, call.request.query.get("query"), call.request.query.get("timespan"), [])
