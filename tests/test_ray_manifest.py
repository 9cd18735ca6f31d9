"""The manifest as parts on a URI output: entries written whole, merged by the driver, the
last entry per id winning across the manifest and a killed run's parts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

if not os.environ.get("CI"):  # CI installs the ray extra, and pyarrow with it
    pytest.importorskip("pyarrow")

from wirebrief.batch.ray_manifest import PARTS, PartsManifest
from wirebrief.errors import OutputError
from wirebrief.fs import ObjectOutput


def entry(identifier: str, status: str = "ok", **extra) -> dict:
    return {"id": identifier, "status": status, **extra}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def manifest(out: Path, **options) -> PartsManifest:
    output = ObjectOutput(out.as_uri())
    output.make_root()
    return PartsManifest(output, **options)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_entries_go_out_as_parts_and_compact_into_one_manifest(out):
    run = manifest(out, flush_entries=2)
    for name in "abc":
        run.append(entry(name))
    # Two entries made a part; the third waits for the next.
    assert len(list((out / PARTS).iterdir())) == 1
    run.compact()
    assert [line["id"] for line in lines(out / "manifest.jsonl")] == ["a", "b", "c"]
    assert list((out / PARTS).iterdir()) == []


def test_a_killed_run_s_parts_are_read_after_the_manifest(out):
    first = manifest(out)
    first.append(entry("a", "failed"))
    first.append(entry("b"))
    first.compact()
    killed = manifest(out, flush_entries=1)
    killed.append(entry("a"))  # redone, then the driver died before compacting
    killed.append(entry("c"))

    loaded = manifest(out).load()
    assert {key: value["status"] for key, value in loaded.items()} == {"a": "ok", "b": "ok", "c": "ok"}
    again = manifest(out)
    again.append(entry("c", "failed"))
    again.compact()
    assert {line["id"]: line["status"] for line in lines(out / "manifest.jsonl")} == {
        "a": "ok", "b": "ok", "c": "failed"
    }


def test_entries_not_yet_out_are_seen_by_load_and_the_page_beside(out):
    run = manifest(out)
    run.append(entry("a", headline="\ud800 odd"))
    assert set(run.load()) == {"a"}
    run.write_beside("index.html", lambda entries: f"{len(entries)} {entries[0]['headline']}", errors="backslashreplace")
    assert (out / "index.html").read_text() == "1 \\ud800 odd"


def test_entries_are_flushed_after_a_while_too(out):
    run = manifest(out, flush_seconds=0.0)
    run.append(entry("a"))
    assert len(list((out / PARTS).iterdir())) == 1


def test_a_manifest_that_cannot_be_written_stops_the_run(out):
    run = manifest(out)
    (out / "manifest.jsonl").mkdir()
    run.append(entry("a"))
    with pytest.raises(OutputError, match="manifest.jsonl"):
        run.compact()


def test_a_uri_output_keeps_its_index_beside_the_manifest(out):
    from wirebrief.batch.ray_output import UriOutput, destination

    output = destination(out.as_uri())
    assert isinstance(output, UriOutput) and str(output.folder) == out.as_uri()
    run = output.open()
    run.append(entry("first-article", output="first-article.html"))
    output.write_index(run)
    page = (out / "index.html").read_text()
    assert "first-article" in page and "wirebrief batch: out" in page
    assert (output.folder / "index.html").is_file() and not (output.folder / "absent.html").is_file()
