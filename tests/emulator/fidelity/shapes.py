"""Compare the shape of an emulator response with an Azure example payload (reusable by every
provider's fidelity tests): every key the example has must be present with a value of the same
JSON type, recursively; list items are compared with the example's first item."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "azure-rest-examples"


def load_example(provider: str, name: str) -> dict:
    return json.loads((EXAMPLES / provider / f"{name}.json").read_text())


def json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def shape_differences(actual, expected, ignore: frozenset[str] = frozenset(), path: str = "") -> list[str]:
    """Where ``actual`` lacks what ``expected`` has; ``ignore`` holds dotted paths (``[]`` for list
    items, e.g. ``properties.subnets[].properties.ipConfigurations``) not to compare."""
    if path in ignore:
        return []
    where = path or "<root>"
    if json_type(actual) != json_type(expected):
        return [f"{where}: expected {json_type(expected)}, got {json_type(actual)} ({actual!r})"]
    if isinstance(expected, dict):
        problems = []
        for key, value in expected.items():
            child = f"{path}.{key}" if path else key
            if child in ignore:
                continue
            if key not in actual:
                problems.append(f"{child}: missing")
            else:
                problems += shape_differences(actual[key], value, ignore, child)
        return problems
    if isinstance(expected, list) and expected:
        if not actual:
            return [f"{where}: expected items, got an empty list"]
        return [p for item in actual for p in shape_differences(item, expected[0], ignore, path + "[]")]
    return []


def with_subscription(value, old: str, new: str):
    """The example with its placeholder subscription id replaced (ids must name ours)."""
    return json.loads(json.dumps(value).replace(f"/subscriptions/{old}/", f"/subscriptions/{new}/"))
