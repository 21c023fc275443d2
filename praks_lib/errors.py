"""praks's one error family, and the one shape of a finding.

Every failure a person at the notebook can fix is a :class:`PraksError`: it says what is wrong and
what to do (``fix``), and notebooks show it as that text, not as a traceback. Checks that can find
several things at once (parameters, plan, rule sets, lint) return :class:`Finding` items, and the
errors that carry them list every one, so one edit can fix them all.

This module is part of the shared bottom layer: it imports nothing from praks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One thing a check found: how bad, Azure's code (or a "Praks…" code), where, what, the fix."""

    severity: Severity
    code: str  # Azure's error code where Azure has one, else a "Praks..." code
    field: str  # where: a parameter's dotted path (aks.service_cidr) or collection/rule in a rule set
    message: str
    fix: str  # what to change and, when one can be computed, a value that works

    @property
    def hint(self) -> str:
        """The fix, under the name the parameter errors have always used."""
        return self.fix

    def __str__(self) -> str:
        return f"{self.field}: {self.message} — {self.fix}"


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the check order is kept within each."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


class PraksError(Exception):
    """A failure with a message and what to do about it."""

    def __init__(self, message: str, fix: str = ""):
        self.message = message
        self.fix = fix
        super().__init__(f"{message}\nHINT: {fix}" if fix else message)


class FindingsError(PraksError, ValueError):
    """Every error-level finding of one input at once, one per line."""

    def __init__(self, findings: list[Finding], source: str):
        self.problems = list(findings)
        self.source = source
        lines = "\n".join(f"  - {f}" for f in self.problems)
        PraksError.__init__(self, f"{len(self.problems)} problem(s) in {source}:\n{lines}")


class ParameterError(FindingsError):
    """Every problem in a parameter file, each with its dotted field path and a hint."""

    def __init__(self, problems: list[Finding], source: str = "parameters"):
        super().__init__(problems, source)


class RuleSetError(FindingsError):
    """Every problem of a firewall rule set at once, each naming collection/rule, field and fix."""

    def __init__(self, problems: list[Finding], source: str = "rule set"):
        super().__init__(problems, source)


class StageError(PraksError):
    """A stage cannot go on: what is wrong, the fix, and the stage (notebook) the fix belongs to."""

    def __init__(self, message: str, fix: str = "", stage: str = ""):
        self.stage = stage
        super().__init__(message, fix)


class QueryError(PraksError):
    """A Log Analytics query failed: the query's name, Azure's error, and what to check."""


class StateError(PraksError):
    """The emulator's state folder cannot be used: which file, what is wrong, how to reset it."""
