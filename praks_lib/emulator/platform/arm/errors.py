"""ARM's error responses: the exception handlers raise, and ARM's own codes and messages.

Resource providers keep their own messages in their modules; these are the ones ARM itself sends,
whatever the provider. An error the runbook's plan checks predict comes from the shared catalog
(praks_lib/azure/data/errors.yaml) through :func:`catalog_error`, so both say the same words.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from praks_lib.azure.ids import ResourceId
from praks_lib.azure.messages import AzureError, azure_error
from praks_lib.emulator.platform.router import Response

RESOURCE_GROUP_NOT_FOUND = "Resource group '{name}' could not be found."
RESOURCE_NOT_FOUND = (
    "The Resource '{type}/{name}' under resource group '{rg}' was not found. "
    "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
)
CHILD_RESOURCE_NOT_FOUND = "Resource {id} not found."
LOCATION_REQUIRED = "The location property is required for this definition."
INVALID_REQUEST_CONTENT = "The request content was invalid and could not be deserialized: '{detail}'."
INVALID_RESOURCE_REFERENCE = (
    "Resource {referenced} referenced by resource {referrer} was not found. Please make sure that "
    "the referenced resource exists, and that both resources are in the same region."
)
OPERATION_NOT_FOUND = "The operation '{id}' could not be found."


class ArmError(Exception):
    """An ARM error response: HTTP status, Azure error code and message (and optional details)."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return Response(self.status, {"error": error}, dict(self.headers))


class NotEmulated(ArmError):
    """A request Azure would serve that the emulator does not: 400 ``NotSupported``, with a message
    (``praks emulator: … is not emulated``) that says what is and what to do instead."""

    def __init__(self, message: str):
        super().__init__(HTTPStatus.BAD_REQUEST, "NotSupported", message)


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(HTTPStatus.BAD_REQUEST, code, message)


def catalog_error(key: str, **values: object) -> ArmError:
    """Azure's answer for an error of the shared catalog, with its status, code and message."""
    return answer(azure_error(key, **values))


def answer(error: AzureError) -> ArmError:
    """An error of the shared catalog, filled in (praks_lib.azure.messages), as ARM answers it."""
    return ArmError(error.status, error.code, error.message)


def group_not_found(rid: ResourceId) -> ArmError:
    return ArmError(HTTPStatus.NOT_FOUND, "ResourceGroupNotFound",
                    RESOURCE_GROUP_NOT_FOUND.format(name=rid.resource_group))


def not_found(rid: ResourceId) -> ArmError:
    """ARM's 404 for a top-level resource; the resource provider's own 404 for a child resource."""
    if rid.parent is not None:
        return ArmError(HTTPStatus.NOT_FOUND, "NotFound", CHILD_RESOURCE_NOT_FOUND.format(id=rid))
    return ArmError(HTTPStatus.NOT_FOUND, "ResourceNotFound", RESOURCE_NOT_FOUND.format(
        type=rid.type, name=rid.name, rg=rid.resource_group))
