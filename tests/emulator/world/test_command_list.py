"""The one command-list interpreter the emulated shells share: words, quoting, operators, exit status."""
import pytest

from praks_lib.emulator.world.command_list import Result, run, split


def echo_shell(line, status=0):
    """A shell whose programs are echo, true and false; what ran is in stdout, one line each."""
    def execute(words):
        if words[0] == "echo":
            return Result(0, " ".join(words[1:]) + "\n")
        if words[0] in ("true", "false"):
            return Result(0 if words[0] == "true" else 1, f"{words[0]}\n")
        return Result(127, stderr=f"{words[0]}: not found\n")
    return run(line, execute, shell="sh: line 1", status=status)


@pytest.mark.parametrize("line, words", [
    ("echo a  b", ["echo", "a", "b"]),
    ("echo 'a && b' \"c;d\"", ["echo", "a && b", "c;d"]),
    ("echo '' x", ["echo", "", "x"]),
    ('echo "say \\"hi\\" \\n"', ["echo", 'say "hi" \\n']),
    ("echo a\\ b \\'", ["echo", "a b", "'"]),
    ("echo x#y # a comment", ["echo", "x#y"]),
    ("curl -w '%{http_code}' -o /dev/null", ["curl", "-w", "%{http_code}", "-o", "/dev/null"]),
])
def test_words_are_split_as_the_shell_splits_them(line, words):
    assert split(line) == words


@pytest.mark.parametrize("line, code, ran", [
    ("true && echo yes", 0, "true\nyes\n"),
    ("false && echo skipped", 1, "false\n"),
    ("false || echo recovered", 0, "false\nrecovered\n"),
    ("true || echo skipped; echo always", 0, "true\nalways\n"),
    ("false && echo a || echo b", 0, "false\nb\n"),
    ("echo a;false", 1, "a\nfalse\n"),
    ("echo '&&' && echo next", 0, "&&\nnext\n"),
])
def test_operators_and_exit_status(line, code, ran):
    result = echo_shell(line)
    assert (result.code, result.stdout) == (code, ran)


def test_a_line_without_commands_keeps_the_status_before_it():
    assert echo_shell("  # only a comment", status=1).code == 1
    assert echo_shell("", status=0).code == 0


@pytest.mark.parametrize("line, message", [
    ("echo 'open", "sh: line 1: unexpected EOF while looking for matching `''\n"),
    ('echo "open', "sh: line 1: unexpected EOF while looking for matching `\"'\n"),
    ("&& echo a", "sh: line 1: syntax error near unexpected token `&&'\n"),
    ("echo a && || echo b", "sh: line 1: syntax error near unexpected token `||'\n"),
    ("echo a &&", "sh: line 1: syntax error: unexpected end of file\n"),
])
def test_syntax_errors_run_nothing(line, message):
    assert echo_shell(line) == Result(2, "", message)


@pytest.mark.parametrize("line, operator", [("echo a; echo b | grep b", "|"), ("echo a & echo b", "&"),
                                            ("echo a;; echo b", ";;")])
def test_pipes_and_background_jobs_are_refused_before_anything_runs(line, operator):
    result = echo_shell(line)
    assert result == Result(2, "", f"praks emulator: '{operator}' (a pipe or background job) is not emulated\n")
