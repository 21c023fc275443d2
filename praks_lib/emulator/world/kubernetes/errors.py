"""kubectl's failure: the text it prints and its exit code."""
from __future__ import annotations


class KubectlError(Exception):
    """Raised with the exact text kubectl prints (without the trailing newline)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def not_found(plural: str, name: str) -> KubectlError:
    return KubectlError(f'Error from server (NotFound): {plural} "{name}" not found')
