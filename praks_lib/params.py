"""Parameter files: read YAML into a Deployment, check it, and say every problem at once.

    dep = load_deployment("parameters/default.yaml", overrides={"aks": {"service_cidr": "10.2.0.0/24"}})

A bad file raises ParameterError listing every problem (each with its dotted field path and a hint)
and, once every value parses, every error of the address plan (praks_lib.plan): nothing is created
from a file Azure would reject. Paths inside a parameter file (a rule set) are read relative to
that file, as a reader of the file expects.

The model itself is praks_lib.deployment; it is re-exported here for callers that know it by this
module's name.
"""
from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from praks_lib import yamltext
from praks_lib.deployment import TAG_KEY, Deployment
from praks_lib.errors import Finding, ParameterError
from praks_lib.plan import check_plan as plan_findings
from praks_lib.project import default_parameters, known_scenarios, scenario_file

__all__ = ["TAG_KEY", "Deployment", "ParameterError", "check_parameters", "deep_merge", "load_deployment",
           "problems_from", "read_parameter_file"]

MAX_DEPTH = 32  # no parameter block nests deeper than a few levels; deeper YAML is a mistake or an attack


def _problem(field: str, message: str, hint: str, code: str = "PraksInvalidParameter") -> Finding:
    return Finding("error", code, field, message, hint)


def _block_at(loc: tuple[Any, ...]) -> Any:
    """The default value at a location in the Deployment, or None where there is none."""
    value: Any = Deployment()
    for part in loc:
        if isinstance(value, BaseModel) and isinstance(part, str) and part in type(value).model_fields:
            value = getattr(value, part)
        else:
            return None
    return value


def _hint(item: dict[str, Any]) -> str:
    loc = item["loc"]
    if item["type"] == "extra_forbidden":
        parent = _block_at(loc[:-1])
        known = list(type(parent).model_fields) if isinstance(parent, BaseModel) else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        where = f"'{'.'.join(map(str, loc[:-1]))}'" if loc[:-1] else "the top level"
        suggestion = f"did you mean '{close[0]}'? " if close else ""
        return f"{suggestion}remove it or fix its spelling; the keys known at {where} are: {', '.join(known)}"
    default = _block_at(loc)
    if default is None or isinstance(default, BaseModel):
        return "fix the value in your parameter file (parameters/default.yaml shows every key)"
    if default == "":
        return "fix the value, or leave it empty to derive it from the deployment name"
    return f"fix the value; the default is {default!r}"


def problems_from(error: ValidationError) -> list[Finding]:
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = "unknown parameter" if item["type"] == "extra_forbidden" else item["msg"].removeprefix("Value error, ")
        problems.append(_problem(path, message, _hint(item)))
    return problems


class _ParameterRules:
    """YAML as people write parameter files: merge keys (``<<: *base``) are fine; a key written twice
    in one mapping, a complex key (``? [a, b]``) and absurd nesting are refused with their line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # keys a merge brings in may be overridden by the mapping's own keys
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain name, not a list or a mapping", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"found duplicate key '{key}'",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)  # applies merge keys (flatten_mapping) first


def _depth(node: yaml.Node) -> int:
    """How deep a YAML node tree nests (iteratively: a depth bomb must not exhaust the stack)."""
    deepest, stack, seen = 0, [(node, 1)], set()
    while stack:
        current, depth = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        if isinstance(current, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in current.value for child in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
    return deepest


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides win key by key; nested blocks merge instead of replacing each other."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_parameter_file(source: Path) -> dict[str, Any]:
    """The mapping a parameter file holds, or a ParameterError saying why there is none."""
    def fail(message: str, hint: str) -> ParameterError:
        return ParameterError([_problem("(file)", message, hint)], str(source))

    try:
        text = source.read_text()
    except FileNotFoundError:
        raise fail(f"{source} does not exist",
                   "pass a path to a YAML parameter file, e.g. parameters/default.yaml") from None
    except IsADirectoryError:
        raise fail(f"{source} is a folder", "pass a path to a YAML parameter file") from None
    except UnicodeDecodeError:
        raise fail("not a text file", "pass a YAML parameter file, e.g. parameters/default.yaml") from None
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror}", "check the path and its permissions") from None

    def shallow_document(loader: Any) -> Any:
        node = loader.get_single_node()
        if node is not None and _depth(node) > MAX_DEPTH:
            raise fail(f"nests deeper than {MAX_DEPTH} levels", "a parameter file is a few levels deep; "
                       "start from parameters/default.yaml")
        return None if node is None else loader.construct_document(node)

    try:
        raw = yamltext.read(text, shallow_document, _ParameterRules)
    except RecursionError:
        raise fail(f"nests deeper than {MAX_DEPTH} levels", "start from parameters/default.yaml") from None
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {exc}", "fix the YAML syntax at the line shown") from None
    if raw is None:
        raise fail("the file is empty (or holds only comments): a wrong path or an unsaved file?",
                   "give at least the deployment's name (name: dzpraks1); parameters/default.yaml shows every key")
    if not isinstance(raw, dict):
        raise fail(f"the file must hold a mapping of parameters, not a {type(raw).__name__}",
                   "start from parameters/default.yaml")
    return raw


def _without(data: dict[str, Any], loc: tuple[Any, ...]) -> None:
    """Drop the value at a pydantic error location (the whole list for an item of a list)."""
    keys = [part for part in loc if isinstance(part, str)]
    node: Any = data
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node.pop(key, None)
            return
        node = node[key]
    if keys and isinstance(node, dict):
        node.pop(keys[-1], None)


def _related(finding: Finding, bad: set[str]) -> bool:
    """Whether a plan finding is about a value that did not parse, or only follows from its stand-in
    default: its fix names such a value (``set aks.network_plugin_mode: overlay`` while that value is bad)."""
    field = finding.field
    return any(field == b or field.startswith(f"{b}.") or b.startswith(f"{field}.") or b in finding.fix
               for b in bad)


def check_parameters(data: dict[str, Any], source_dir: Path | None = None) -> tuple[Deployment | None, list[Finding]]:
    """Every finding about raw parameters at once: each value that does not parse, and the address plan's
    findings for everything else (bad values are checked as their defaults meanwhile, so one typo does
    not hide the rest). The Deployment is None while any value does not parse."""
    context = {"source_dir": source_dir}
    try:
        deployment = Deployment.model_validate(data, context=context)
    except ValidationError as exc:
        problems = problems_from(exc)
        trimmed = copy.deepcopy(data)
        for item in exc.errors():
            _without(trimmed, item["loc"])
        try:
            partial = Deployment.model_validate(trimmed, context=context)
        except ValidationError:
            return None, problems
        bad = {p.field for p in problems}
        return None, problems + [f for f in plan_findings(partial) if not _related(f, bad)]
    return deployment, plan_findings(deployment)


def with_scenario(data: dict[str, Any], source: Path) -> dict[str, Any]:
    """A parameter file's values on top of the scenario it names (``scenario: baseline-2026``)."""
    name = data.get("scenario")
    if not name:
        return data
    if not isinstance(name, str):
        raise ParameterError([_problem("scenario", f"{name!r} is not a scenario name",
                                       f"use one of {', '.join(known_scenarios())}")], str(source))
    scenario = scenario_file(name, source.resolve().parent)
    if scenario.resolve() == source.resolve():
        return data  # the scenario file itself
    if not scenario.is_file():
        raise ParameterError([_problem("scenario", f"there is no scenario '{name}' ({scenario} does not exist)",
                                       f"use one of {', '.join(known_scenarios())}")], str(source))
    base = read_parameter_file(scenario)
    base.pop("scenario", None)
    return deep_merge(base, data)


def load_deployment(path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                    check_plan: bool = True) -> Deployment:
    """Load a parameter file (default: the project's parameters/default.yaml), apply overrides, check it.

    Raises ParameterError listing every problem with the values and every error-severity finding of
    the address plan (praks_lib.plan), so nothing is deployed from a plan Azure would reject. Warnings
    are left to praks_lib.plan.check_plan's callers to show.
    """
    source = Path(path) if path else default_parameters()
    data = deep_merge(with_scenario(read_parameter_file(source), source), overrides or {})
    source_dir = source.resolve().parent
    if not check_plan:
        try:
            return Deployment.model_validate(data, context={"source_dir": source_dir})
        except ValidationError as exc:
            raise ParameterError(problems_from(exc), str(source)) from None
    deployment, findings = check_parameters(data, source_dir)
    errors = [f if f.code == "PraksInvalidParameter" else Finding("error", f.code, f.field, f"{f.code}: {f.message}",
                                                                  f.fix)
              for f in findings if f.severity == "error"]
    if errors or deployment is None:
        raise ParameterError(errors, str(source))
    return deployment
