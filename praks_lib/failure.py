"""What a failed stage says, in parts a summary can tabulate: the failing check, the hint, and when Azure
refused something, the resource and Azure's error code.

It reads the error text a notebook ends with (``ename: evalue``, as praks_lib.runner reports it): the
runbook's errors already say all of this in words (praks_lib.errors: the message, then ``HINT:``; a
refused write names the resource, then Azure's ``(Code) message``; 07's verdict lists each failed check
with ``→ hint``), so nothing here guesses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^cell \[\d+\]: |^a cell: ")
_ENAME = re.compile(r"^(\w+(?:Error|Exception|Warning)?): ", re.S)
_REFUSED = re.compile(r"Azure refused to (?:create|re-provision|update|delete) (?P<resource>.+?): ")
_CODE = re.compile(r"\((?P<code>[A-Z][A-Za-z0-9]+)\)|\bCode: (?P<code2>[A-Z][A-Za-z0-9]+)")
_PROBLEM = re.compile(r"^\s+- (?P<check>.+?) — (?P<hint>.+)$", re.M)
_FAILED_CHECK = re.compile(r"^\s+- (?P<check>.+?) → (?P<hint>.+)$", re.M)


@dataclass(frozen=True)
class Failure:
    error: str  # the exception's name, e.g. StageError, ParameterError
    check: str  # what failed, in a line
    hint: str = ""
    resource: str = ""  # e.g. "Azure Firewall ws01" when Azure refused it
    code: str = ""  # Azure's error code, e.g. OutboundConnFailVMExtensionError


def parse_failure(text: str) -> Failure:
    """The parts of a stage's error text (``cell [3]: StageError: … HINT: …``)."""
    body = _CELL.sub("", text.strip())
    found = _ENAME.match(body)
    error, body = (found[1], body[found.end():]) if found else ("", body)
    message, _, hint = body.partition("\nHINT: ")
    lines = [line for line in message.splitlines() if line.strip()]
    check = lines[0].strip() if lines else ""
    problem = _FAILED_CHECK.search(message) or _PROBLEM.search(message)
    if problem and check.endswith(":"):
        check, hint = problem["check"].strip(), hint or problem["hint"].strip()
    refused = _REFUSED.search(message)
    code = _CODE.search(message)
    return Failure(error, check, hint.strip(), refused["resource"] if refused else "",
                   (code["code"] or code["code2"]) if code else "")
