"""Where a praks project's own files are: parameters/, notebooks/, runs/ and the emulator state.

A project is a folder holding parameters/ and notebooks/ — a clone of the repository or a copy of
its notebooks. The package finds it from the working directory, so notebook kernels (which run in
notebooks/), the CLI and the tests agree without reading anything from the installed package.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ENV = "PRAKS_PROJECT"
RULE_SET_SUFFIXES = (".yaml", ".yml")


def project_dir(start: Path | None = None) -> Path:
    """``$PRAKS_PROJECT`` if set, else the nearest folder at or above ``start`` (the working
    directory) with parameters/default.yaml, else ``start`` itself."""
    if os.environ.get(PROJECT_ENV):
        return Path(os.environ[PROJECT_ENV]).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "parameters" / "default.yaml").is_file():
            return folder
    return here


def parameters_dir() -> Path:
    return project_dir() / "parameters"


def default_parameters() -> Path:
    return parameters_dir() / "default.yaml"


def scenario_file(name: str, source_dir: Path | None = None) -> Path:
    """A scenario by name: scenarios/<name>.yaml beside the parameter file, else the project's."""
    for folder in ([source_dir / "scenarios", source_dir] if source_dir else []) + [parameters_dir() / "scenarios"]:
        if (folder / f"{name}.yaml").is_file():
            return folder / f"{name}.yaml"
    return parameters_dir() / "scenarios" / f"{name}.yaml"


def known_scenarios() -> list[str]:
    return sorted(p.stem for p in (parameters_dir() / "scenarios").glob("*.yaml"))


def notebooks_dir() -> Path:
    return project_dir() / "notebooks"


def rule_set_dirs(source_dir: Path | None) -> list[Path]:
    """Where a rule set named in a parameter file is looked for: firewall/ beside the file, beside
    its folder (for parameters/scenarios/), then the project's parameters/firewall/."""
    dirs = [source_dir / "firewall", source_dir.parent / "firewall"] if source_dir else []
    dirs.append(parameters_dir() / "firewall")
    unique: list[Path] = []
    for folder in dirs:
        if folder.resolve() not in unique:
            unique.append(folder.resolve())
    return unique


def rule_set_file(rules: str, source_dir: Path | None = None) -> Path:
    """The file of a rule set given as a path (relative to the parameter file's folder) or a name."""
    given = Path(rules).expanduser()
    if given.suffix in RULE_SET_SUFFIXES or len(given.parts) > 1:
        return given if given.is_absolute() else (source_dir or Path.cwd()) / given
    candidates = [folder / f"{rules}.yaml" for folder in rule_set_dirs(source_dir)]
    return next((c for c in candidates if c.is_file()), candidates[-1])


def known_rule_sets(source_dir: Path | None = None) -> list[str]:
    return sorted({p.stem for folder in rule_set_dirs(source_dir) for p in folder.glob("*.yaml")})
