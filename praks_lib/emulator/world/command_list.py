"""One shell command line, split and run as a POSIX shell runs a command list: ``a && b || c; d``.

Every emulated shell uses it: run command's ``bash -c`` with kubectl (``kubernetes.kubectl``), a
pod's ``sh -c`` (``kubernetes.shell``) and a VM's run-command script (``vm_shell``); each brings its
own programs (the ``execute`` callable) and the prefix of its own messages.

Words are split as the shell splits them: blanks separate words; ``'…'`` keeps everything, ``"…"``
keeps everything but ``\\"``, ``\\\\``, ``\\$`` and ``\\``` escapes; a backslash outside quotes
keeps the next character; ``#`` at the start of a word begins a comment; a quoted operator is a
word. ``;`` runs the next command always, ``&&`` after success, ``||`` after failure; the list's
exit status is the last command's that ran. Pipes, background jobs, redirections and variables
are not emulated: ``|``, ``&`` and ``;;`` are refused with exit status 2 before anything runs, as
is a syntax error (bash's wording).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

NOT_EMULATED = "praks emulator: {what} is not emulated"
SEPARATORS = (";", "&&", "||")
_OPERATOR_CHARS = ";&|"
_TWO_CHAR_OPERATORS = ("&&", "||", ";;", "|&")


@dataclass
class Result:
    """What a program did: its exit code and what it wrote on stdout and on stderr."""

    code: int
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class _Operator:
    text: str


class _SyntaxError(Exception):
    """The shell's own complaint about the line (bash's wording, without its location prefix)."""


class _Unsupported(Exception):
    """An operator the emulated shells do not run (a pipe, a background job)."""


def split(line: str) -> list[str | _Operator]:
    """The line's words and operators, in order."""
    tokens: list[str | _Operator] = []
    word: list[str] | None = None
    i = 0
    while i < len(line):
        char = line[i]
        if char in " \t\n":
            if word is not None:
                tokens.append("".join(word))
                word = None
        elif char == "#" and word is None:
            break
        elif char in _OPERATOR_CHARS:
            if word is not None:
                tokens.append("".join(word))
                word = None
            operator = line[i:i + 2] if line[i:i + 2] in _TWO_CHAR_OPERATORS else char
            tokens.append(_Operator(operator))
            i += len(operator) - 1
        elif char == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise _SyntaxError("unexpected EOF while looking for matching `''")
            word = (word or []) + [line[i + 1:end]]
            i = end
        elif char == '"':
            text, i = _double_quoted(line, i + 1)
            word = (word or []) + [text]
        elif char == "\\":
            word = (word or []) + [line[i + 1:i + 2]]
            i += 1
        else:
            word = (word or []) + [char]
        i += 1
    if word is not None:
        tokens.append("".join(word))
    return tokens


def _double_quoted(line: str, start: int) -> tuple[str, int]:
    """The text of a ``"…"`` that opens before ``start``, and the index of its closing quote."""
    text, i = [], start
    while i < len(line):
        char = line[i]
        if char == '"':
            return "".join(text), i
        if char == "\\" and line[i + 1:i + 2] in ('"', "\\", "$", "`"):
            text.append(line[i + 1])
            i += 2
            continue
        text.append(char)
        i += 1
    raise _SyntaxError('unexpected EOF while looking for matching `"\'')


def commands(tokens: list[str | _Operator]) -> list[tuple[str, list[str]]]:
    """(the separator before it, its words) per command; ``;`` before the first."""
    result, words, separator = [], [], ";"
    for token in tokens:
        if not isinstance(token, _Operator):
            words.append(token)
            continue
        if token.text not in SEPARATORS:
            raise _Unsupported(token.text)
        if not words:
            raise _SyntaxError(f"syntax error near unexpected token `{token.text}'")
        result.append((separator, words))
        words, separator = [], token.text
    if words:
        result.append((separator, words))
    elif separator != ";":
        raise _SyntaxError("syntax error: unexpected end of file")
    return result


def run(line: str, execute: Callable[[list[str]], Result], *, shell: str, status: int = 0) -> Result:
    """Run the command list ``line``: each command's words go to ``execute``; what they print is
    kept in order (stdout and stderr apart). ``shell`` prefixes the shell's own messages
    (``bash: -c: line 1``); ``status`` is the exit status before the line (kept if nothing runs)."""
    try:
        planned = commands(split(line))
    except _SyntaxError as error:
        return Result(2, stderr=f"{shell}: {error}\n")
    except _Unsupported as operator:
        return Result(2, stderr=NOT_EMULATED.format(what=f"'{operator}' (a pipe or background job)") + "\n")
    total = Result(status)
    for separator, words in planned:
        if separator == ";" or (separator == "&&") == (total.code == 0):
            done = execute(words)
            total.code = done.code
            total.stdout += done.stdout
            total.stderr += done.stderr
    return total
