"""Standard output under real pipes, a full disk and a closed descriptor.

Every result goes out whole or the command says why: a reader that went away ends the run
with 141 and nothing more on stderr, a full disk or a closed stdout is one line and exit 10,
never an exit 0 with part of the result.
"""

from __future__ import annotations

import fcntl
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from wirebrief.errors import EXIT_BROKEN_PIPE, OutputError

# The pipes these tests write to are shrunk to one page, so that an output a few pages long cannot
# fit in the pipe whole: the writer must still be writing when the reader leaves, whatever the
# tiny models happen to say.
PIPE_CAPACITY = 4096


def wirebrief(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wirebrief", *args], check=False, timeout=300, **options)


@pytest.fixture(scope="module")
def big_pair(tmp_path_factory) -> tuple[Path, Path]:
    """A source and a translation that drops every number: `check` then prints a large result."""
    folder = tmp_path_factory.mktemp("pair")
    source, translation = folder / "bron.txt", folder / "vertaling.txt"
    source.write_text(
        "\n\n".join(f"In het jaar {2000 + n % 25} woonden er {1000 + n} mensen in dorp nummer {n}." for n in range(700)),
        encoding="utf-8",
    )
    translation.write_text("\n\n".join("In that year people lived in the village." for _ in range(700)), encoding="utf-8")
    return source, translation


def _small_commands(tmp_path: Path) -> list[list[str]]:
    article = tmp_path / "artikel.txt"
    article.write_text("De minister sprak dinsdag in Brussel over de plannen van het kabinet voor de komende jaren.\n",
                       encoding="utf-8")
    return [
        ["check", str(article), str(article), "--format", "json", "--fail-on", "never"],
        ["check", str(article), str(article), "--format", "rich", "--fail-on", "never"],
        ["detect", str(article), "--format", "text"],
        ["prompts", "list", "--format", "json"],
        ["prompts", "show", "headline"],
        ["models", "plan", "--source-lang", "de", "--format", "rich"],
        ["brief", str(article), "--dry-run", "--format", "json"],
    ]


def test_a_reader_gone_before_the_first_write_gives_141_for_every_command(tmp_path):
    for args in _small_commands(tmp_path):
        read, write = os.pipe()
        os.close(read)  # `| true`: nobody will ever read
        result = wirebrief(*args, stdout=write, stderr=subprocess.PIPE, text=True)
        os.close(write)
        assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, ""), args


def _read_once_then_close(read: int, got: list[bytes]) -> None:
    got.append(os.read(read, 100))
    os.close(read)


def _through_a_reader_that_leaves(args: list[str]) -> tuple[subprocess.CompletedProcess, list[bytes]]:
    read, write = os.pipe()
    assert fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_CAPACITY) == PIPE_CAPACITY
    got: list[bytes] = []
    reader = threading.Thread(target=_read_once_then_close, args=(read, got))
    reader.start()
    result = wirebrief(*args, stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    reader.join()
    return result, got


@pytest.mark.parametrize("output_format", ["json", "text", "rich"])
def test_a_reader_that_leaves_after_its_first_read_gives_141(big_pair, tmp_path, output_format):
    args = ["check", *map(str, big_pair), "--format", output_format, "--fail-on", "never"]
    whole = tmp_path / "whole"
    with whole.open("wb") as out:
        assert wirebrief(*args, stdout=out, stderr=subprocess.DEVNULL).returncode == 0
    assert whole.stat().st_size > 2 * PIPE_CAPACITY  # the reader cannot have taken it all
    result, got = _through_a_reader_that_leaves(args)
    assert got and got[0]  # the reader did get the start
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, "")


def _full_disk_commands(big_pair: tuple[Path, Path], article: Path) -> dict[str, list[str]]:
    pair = list(map(str, big_pair))
    return {
        "check-json": ["check", *pair, "--format", "json", "--fail-on", "never"],
        "check-text": ["check", *pair, "--format", "text", "--fail-on", "never"],
        "check-rich": ["check", *pair, "--format", "rich", "--fail-on", "never"],
        "detect-rich": ["detect", str(article), "--format", "rich"],
        "brief-rich": ["brief", str(article), "--dry-run", "--format", "rich"],
        "brief-json": ["brief", str(article), "--dry-run", "--format", "json"],
    }


def _assert_full_disk_line(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == OutputError.exit_code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wirebrief: error: cannot write the result to standard output")
    assert "No space left on device" in lines[0]


# Rich's console writes to its file when a capture ends; unbuffered (PYTHONUNBUFFERED=1) that
# write reached the full disk outside `out`, and showed as an internal error.
@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", ["check-json", "check-text", "check-rich", "detect-rich", "brief-rich",
                                     "brief-json"])
def test_a_full_disk_is_one_line_and_exit_10_not_a_partial_success(big_pair, tmp_path, command, unbuffered):
    article = tmp_path / "artikel.txt"
    article.write_text("De minister sprak dinsdag in Brussel over de plannen van het kabinet.\n",
                       encoding="utf-8")
    environment = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    with open("/dev/full", "wb") as full:
        result = wirebrief(*_full_disk_commands(big_pair, article)[command], stdout=full,
                           stderr=subprocess.PIPE, text=True, env=environment)
    _assert_full_disk_line(result)


def _on_a_terminal(args: list[str], environment: dict[str, str]) -> bytes:
    """What the command writes to a pseudo-terminal as its stdout."""
    main, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "wirebrief", *args], stdout=terminal,
                               stderr=subprocess.DEVNULL, env=environment)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(main)
    return b"".join(chunks)


def test_rich_output_keeps_the_terminals_colours_width_and_no_color(tmp_path):
    article = tmp_path / "artikel.txt"
    article.write_text("De minister sprak dinsdag in Brussel over de plannen van het kabinet.\n",
                       encoding="utf-8")
    args = ["detect", str(article), "--format", "rich"]
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM")}
    assert b"\x1b[32mDutch" in _on_a_terminal(args, {**environment, "TERM": "xterm-256color"})
    no_color = _on_a_terminal(args, {**environment, "TERM": "xterm-256color", "NO_COLOR": "1"})
    assert b"Dutch" in no_color and b"\x1b[32m" not in no_color
    piped = wirebrief(*args, capture_output=True, env={**environment, "COLUMNS": "30"})
    assert b"\x1b[" not in piped.stdout
    lines = piped.stdout.decode().splitlines()
    assert len(lines) > 1 and max(map(len, lines)) <= 30


def test_a_closed_stdout_is_one_line_and_exit_10(tmp_path):
    article = tmp_path / "artikel.txt"
    article.write_text("De minister sprak dinsdag in Brussel over de plannen van het kabinet.\n",
                       encoding="utf-8")
    result = subprocess.run(  # the shell's `>&-`: the program starts with no fd 1 at all
        ["sh", "-c", 'exec "$0" -m wirebrief detect "$1" --format json >&-', sys.executable, str(article)],
        check=False, stderr=subprocess.PIPE, text=True, timeout=120,
    )
    assert result.returncode == OutputError.exit_code
    assert result.stderr.strip() == (
        "wirebrief: error: standard output is closed: the result cannot be written (redirect it to a file or a pipe)"
    )


@pytest.mark.model
@pytest.mark.parametrize("output_format", ["json", "rich", "markdown"])
def test_brief_to_a_reader_that_leaves_gives_141(tiny_models, example_path, tmp_path, output_format):
    flags = ["--translation-model", str(tiny_models["translation"]), "--summary-model", str(tiny_models["summary"]),
             "--num-beams", "1", "--device", "cpu", "--engine", "torch", "--cache", str(tmp_path.parent / "pipes.sqlite3"),
             "--findings", "all"]
    args = ["brief", str(example_path), "--format", output_format, *flags]
    whole = tmp_path / "whole"
    with whole.open("wb") as out:
        assert wirebrief(*args, stdout=out, stderr=subprocess.DEVNULL).returncode == 0
    if whole.stat().st_size <= 4 * PIPE_CAPACITY:
        pytest.fail(f"the {output_format} brief ({whole.stat().st_size} bytes) is too small to test a reader leaving")
    result, _ = _through_a_reader_that_leaves(args)
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, "")


def test_batch_json_lines_on_a_full_disk_is_exit_10():
    with open("/dev/full", "wb") as full:
        result = wirebrief("batch", "-", "--format", "jsonl", input=b"not json\n", stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == OutputError.exit_code
    assert result.stderr.decode().splitlines() == [
        "wirebrief: error: cannot write the results to standard output: No space left on device"
    ]


@pytest.mark.parametrize("records", [b"", b"not json\n"], ids=["no-input", "one-input"])
def test_batch_json_lines_to_a_closed_stdout_is_one_line_and_exit_10(records):
    result = subprocess.run(  # refused before any input is read, not an AttributeError at the first line
        ["sh", "-c", 'exec "$0" -m wirebrief batch - --format jsonl >&-', sys.executable],
        input=records, check=False, stderr=subprocess.PIPE, timeout=120,
    )
    assert result.returncode == OutputError.exit_code
    assert result.stderr.decode().splitlines() == [
        "wirebrief: error: standard output is closed: the results cannot be written (redirect it to a file or a pipe)"
    ]


def test_run_batch_refuses_json_lines_when_stdout_is_closed(tmp_path, monkeypatch):
    from wirebrief.batch import run_batch
    from wirebrief.config import Settings

    records = tmp_path / "in.jsonl"
    records.write_text('{"id": "a", "text": "De minister sprak dinsdag in Brussel."}\n', encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", None)
    with pytest.raises(OutputError, match="standard output is closed"):
        run_batch([str(records)], out_dir=None, settings=Settings(), output_format="jsonl", tiers="none",
                  engines={})


# click prints --help and --version itself; they go out whole or fail as a result does.
HELP_AND_VERSION = [["--help"], ["--version"], ["brief", "--help"], ["cache", "clear", "-h"]]


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("args", HELP_AND_VERSION, ids=" ".join)
def test_help_and_version_on_a_full_disk_are_one_line_and_exit_10(args, unbuffered):
    with open("/dev/full", "wb") as full:
        result = wirebrief(*args, stdout=full, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONUNBUFFERED": unbuffered})
    _assert_full_disk_line(result)


@pytest.mark.parametrize("args", HELP_AND_VERSION, ids=" ".join)
def test_help_and_version_to_a_reader_gone_give_141(args):
    read, write = os.pipe()
    os.close(read)
    result = wirebrief(*args, stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, "")


@pytest.mark.parametrize("args", HELP_AND_VERSION, ids=" ".join)
def test_help_and_version_to_a_closed_stdout_are_one_line_and_exit_10(args):
    what = "version" if args == ["--version"] else "help"
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" -m wirebrief "$@" >&-', sys.executable, *args],
        check=False, stderr=subprocess.PIPE, text=True, timeout=120,
    )
    assert result.returncode == OutputError.exit_code
    assert result.stderr.splitlines() == [
        f"wirebrief: error: standard output is closed: the {what} cannot be written (redirect it to a file or a pipe)"
    ]


def test_the_help_lists_exit_code_10():
    result = wirebrief("--help", capture_output=True, text=True)
    assert result.returncode == 0
    assert "10 output could not be written" in " ".join(result.stdout.split())
