"""`wirebrief cache merge`: per-machine caches folded into one from the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from fakes import filled_cache

from wirebrief.cli import cli
from wirebrief.engines.base import GenerationParams

PARAMS = GenerationParams(max_new_tokens=64, num_beams=4)


def filled(path: Path, texts: list[str]) -> Path:
    return filled_cache(path, texts, PARAMS)


def count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM generations").fetchone()[0]


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


def test_merge_reports_each_file_then_the_target(tmp_path):
    first = filled(tmp_path / "node1.sqlite3", ["Een.", "Twee.", "Drie."])
    second = filled(tmp_path / "node2.sqlite3", ["Drie.", "Vier."])
    target = tmp_path / "all.sqlite3"

    result = invoke("cache", "merge", "--cache", str(target), str(first), str(second))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # what it did is a note, on stderr
    lines = result.stderr.splitlines()
    rows_first, rows_second, total = count(first), count(second), count(target)
    assert lines == [
        f"{first}: {rows_first} rows, {rows_first} new",
        f"{second}: {rows_second} rows, {total - rows_first} new",
        f"{target}: {total} rows",
    ]
    assert total - rows_first < rows_second  # "Drie." was in already


def test_merge_without_cache_goes_into_the_cache_runs_use(tmp_path):
    node = filled(tmp_path / "node.sqlite3", ["Een."])
    home = tmp_path / "xdg"
    result = invoke("cache", "merge", str(node), env={"XDG_CACHE_HOME": str(home), "WIREBRIEF_CACHE": ""})
    assert result.exit_code == 0, result.output
    merged = [path for path in home.rglob("*") if path.is_file() and path.suffix in (".sqlite3", ".sqlite", ".db")]
    assert len(merged) == 1 and count(merged[0]) == count(node)
    assert result.stderr.splitlines()[-1] == f"{merged[0]}: {count(node)} rows"


def test_merge_exit_codes_match_the_other_cache_commands(tmp_path):
    node = filled(tmp_path / "node.sqlite3", ["Een."])
    target = tmp_path / "all.sqlite3"

    missing = invoke("cache", "merge", "--cache", str(target), str(tmp_path / "gone.sqlite3"))
    assert missing.exit_code == 2 and "no such cache file" in missing.stderr
    itself = invoke("cache", "merge", "--cache", str(node), str(node))
    assert itself.exit_code == 2 and "the target itself" in itself.stderr

    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    refused = invoke("cache", "merge", "--cache", str(target), str(node), str(foreign))
    assert refused.exit_code == 6 and "cannot be merged" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not target.exists()  # every file is checked before anything is written

    assert invoke("cache", "merge", "--cache", str(target)).exit_code == 2  # no FILE at all
