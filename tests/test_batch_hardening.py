"""wirebrief batch under hostile inputs and a hostile disk (issue 13): nothing lost, no input stops
the run, the environment's errors are exit 10 with one line, and the HTML index of a run."""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_batch import article_text, fake_engines, run

from wirebrief.batch import outputs as batch_outputs
from wirebrief.batch import MANIFEST, Manifest, Names, collect, count_inputs, output_name, run_batch
from wirebrief.errors import EXIT_PARTIAL, OutputError


def write_records(path: Path, records: list[tuple[str, str]]) -> Path:
    # ensure_ascii keeps lone surrogates as \ud800 escapes, which is how they arrive in a feed.
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in records), encoding="utf-8")
    return path


def articles(path: Path, *identifiers: str) -> Path:
    """A JSONL file of good articles, one per id."""
    return write_records(path, [(identifier, article_text(n)) for n, identifier in enumerate(identifiers)])


def manifest_lines(out: Path) -> list[dict]:
    raw = (out / MANIFEST).read_bytes()
    raw.decode("utf-8")  # the manifest is valid UTF-8 whatever the ids hold
    return [json.loads(line) for line in raw.splitlines()]


# --------------------------------------------------------------------------------------------
# Nothing lost: every input has its own id, name and file


def test_a_repeat_never_takes_an_id_given_later(tmp_path: Path):
    records = articles(tmp_path / "in.jsonl", "dup", "dup", "dup~2")
    assert [item.id for item in collect([str(records)])] == ["dup", "dup~2", "dup~2~2"]
    out = tmp_path / "out"
    assert run([records], out, tiers="none").ok == 3
    lines = manifest_lines(out)
    assert len(lines) == 3 and len({line["output"] for line in lines}) == 3
    briefs = [json.loads((out / line["output"]).read_text(encoding="utf-8")) for line in lines]
    sources = {brief["paragraphs"][0]["source"] for brief in briefs}
    assert sources == {article_text(n).strip() for n in range(3)}
    # A rerun maps every input to the same name, so all are skipped.
    assert run([records], out, tiers="none").skipped == 3


def test_names_never_collide_when_case_is_folded():
    names = Names("json")
    given = ["A.txt", "a.txt", "Sub/x", "sub/X", "e\u0301", "\u00e9"]
    made = [names.name(identifier) for identifier in given]
    assert len({name.casefold() for name in made}) == len(given)
    assert made[0] == "A.txt.json"  # the first keeps its plain name
    # The same list names the same way every time (a rerun finds its results).
    again = Names("json")
    assert [again.name(identifier) for identifier in given] == made


def test_a_folder_part_never_takes_the_name_of_a_result_or_a_run_file():
    for output_format, suffix in (("json", ".json"), ("markdown", ".md"), ("html", ".html")):
        names = Names(output_format)
        given = ("coll", f"coll{suffix}/inner", "manifest.jsonl/x", "index", "INDEX")
        made = [names.name(identifier) for identifier in given]
        folders = {str(Path(name).parent).casefold() for name in made}
        files = {name.casefold() for name in made}
        assert folders.isdisjoint(files), made
        assert not {"manifest.jsonl", "index.html", ".manifest.lock"} & files, made


def test_ids_a_folder_and_a_file_would_share_both_get_results(tmp_path: Path):
    records = articles(tmp_path / "in.jsonl", "coll", "coll.json/inner")
    out = tmp_path / "out"
    assert run([records], out, tiers="none").ok == 2
    assert all((out / line["output"]).is_file() for line in manifest_lines(out))


def test_long_parts_are_cut_in_bytes_not_characters():
    name = output_name("\U0001f600" * 200, "json")
    assert all(len(part.encode("utf-8")) <= 255 for part in Path(name).parts)


# --------------------------------------------------------------------------------------------
# Poison records fail alone; the run goes on


def test_poison_records_fail_alone_and_a_rerun_gets_past_them(tmp_path: Path):
    deep = "d/" * 3000 + "x"
    records = write_records(tmp_path / "in.jsonl", [
        ("first", article_text(0)), (deep, article_text(1)), ("\ud800", article_text(2)),
        ("bad-text", "Het kabinet \ud800 besluit vandaag."), ("last", article_text(3)),
    ])
    out = tmp_path / "out"
    for _ in range(2):
        report = run([records], out, tiers="none")
        assert report.failed == 2 and report.ok + report.skipped == 3
        entries = {line["id"]: line for line in manifest_lines(out)}
        assert set(entries) == {"first", deep, "\ud800", "bad-text", "last"}
        assert entries[deep]["status"] == "failed" and "File name too long" in entries[deep]["error"]
        assert entries["\ud800"]["status"] in ("ok", "skipped")
        assert entries["bad-text"]["status"] == "failed" and "surrogate" in entries["bad-text"]["error"]
        assert entries["last"]["status"] in ("ok", "skipped")


def test_a_file_where_a_folder_must_be_fails_that_input_only(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "blocked").write_text("not a folder\n")
    records = articles(tmp_path / "in.jsonl", "blocked/x", "free")
    report = run([records], out, tiers="none")
    assert (report.ok, report.failed) == (1, 1)
    entries = Manifest(out).load()
    assert "blocked" in entries["blocked/x"]["error"] and entries["blocked/x"]["output"] is None
    assert (out / "blocked").read_text() == "not a folder\n"


def test_the_manifest_escapes_what_utf8_cannot_hold(tmp_path: Path):
    manifest = Manifest(tmp_path)
    manifest.append({"id": "\ud800x", "status": "ok", "error": "caf\u00e9"})
    raw = manifest.path.read_bytes()
    raw.decode("utf-8")
    assert "caf\u00e9".encode() in raw  # what UTF-8 can hold stays readable
    assert manifest.load()["\ud800x"]["status"] == "ok"


def test_jsonl_stream_lines_escape_lone_surrogates(tmp_path: Path):
    records = write_records(tmp_path / "in.jsonl", [("\udc80", article_text(0))])
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    run([records], None, output_format="jsonl", stream=stream, tiers="none")
    stream.flush()
    line = json.loads(stream.buffer.getvalue().decode("utf-8"))
    assert line["id"] == "\udc80" and line["status"] == "ok"


@pytest.mark.parametrize("output_format", ["json", "markdown"])
def test_a_file_name_that_is_not_utf8_is_briefed(tmp_path: Path, output_format: str):
    feed = tmp_path / "feed"
    feed.mkdir()
    with open(os.path.join(os.fsencode(feed), b"caf\xe9.txt"), "wb") as handle:
        handle.write(article_text(0).encode("utf-8"))
    out = tmp_path / "out"
    assert run([feed], out, tiers="none", output_format=output_format).ok == 1
    (entry,) = manifest_lines(out)
    assert entry["id"] == "caf\udce9.txt" and (out / entry["output"]).is_file()
    (out / entry["output"]).read_bytes().decode("utf-8")
    assert run([feed], out, tiers="none", output_format=output_format).skipped == 1


# --------------------------------------------------------------------------------------------
# The run's own files: an OutputError (exit 10) naming the path


def test_a_manifest_that_is_a_folder_is_an_output_error(tmp_path: Path):
    out = tmp_path / "out"
    (out / MANIFEST).mkdir(parents=True)
    records = articles(tmp_path / "in.jsonl", "a")
    with pytest.raises(OutputError, match="manifest.jsonl") as raised:
        run([records], out, tiers="none")
    assert raised.value.exit_code == 10


def test_a_manifest_lock_that_is_a_folder_is_an_output_error(tmp_path: Path):
    out = tmp_path / "out"
    (out / ".manifest.lock").mkdir(parents=True)
    records = articles(tmp_path / "in.jsonl", "a")
    with pytest.raises(OutputError, match=r"\.manifest\.lock"):
        run([records], out, tiers="none")


def test_out_that_cannot_be_made_is_an_output_error(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    records = articles(tmp_path / "in.jsonl", "a")
    with pytest.raises(OutputError, match="file/out"):
        run([records], tmp_path / "file" / "out", tiers="none")


def test_a_full_disk_stops_the_run_with_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(batch_outputs.os, "fsync", full)
    records = articles(tmp_path / "in.jsonl", "a", "b")
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="No space left") as raised:
        run([records], out, tiers="none")
    assert str(out) in str(raised.value)
    assert not list(out.rglob("*.tmp")) and not list(out.rglob("*.json"))


def test_a_manifest_on_a_full_device_is_an_output_error(tmp_path: Path):
    # Linux's /dev/full answers every write with ENOSPC, as a full disk does.
    assert os.path.exists("/dev/full"), "this test needs Linux's /dev/full"
    manifest = Manifest(tmp_path)
    manifest.path = Path("/dev/full")
    with pytest.raises(OutputError, match="/dev/full.*No space left"):
        manifest.append({"id": "a", "status": "ok"})


def test_no_permission_in_out_stops_the_run_and_in_a_subfolder_fails_one_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
):
    # Tests run as root, where permissions do not refuse anything: the refusal is simulated.
    out = tmp_path / "out"
    real = batch_outputs.write_atomic

    def refusing(path: Path, content: str, **options) -> None:
        if path.suffix == ".json" and path.parent.name in ("out", "locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path.parent / f".{path.name}.1.tmp"))
        real(path, content, **options)

    monkeypatch.setattr(batch_outputs, "write_atomic", refusing)
    records = articles(tmp_path / "in.jsonl", "locked/a", "open/b")
    report = run([records], out, tiers="none")
    assert (report.ok, report.failed) == (1, 1)
    assert "Permission denied" in Manifest(out).load()["locked/a"]["error"]
    top = write_records(tmp_path / "top.jsonl", [("c", article_text(2))])
    with pytest.raises(OutputError, match="Permission denied"):
        run([top], out, tiers="none")


def _append_many(out: str, writer: int, lines: int) -> None:
    manifest = Manifest(Path(out))
    for number in range(lines):
        manifest.append({"id": f"{writer}-{number}", "status": "ok", "text": "x" * 2000})


def test_processes_appending_to_one_manifest_never_mix_their_lines(tmp_path: Path):
    # Shards share --out: the lock must keep whole lines, whichever process writes.
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_many, args=(str(tmp_path), writer, 40)) for writer in range(3)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
    assert [process.exitcode for process in writers] == [0, 0, 0]
    lines = (tmp_path / MANIFEST).read_bytes().splitlines()
    assert len(lines) == 120 and len(Manifest(tmp_path).load()) == 120


# --------------------------------------------------------------------------------------------
# Symlinks that lead nowhere are failed inputs, not silence


def test_symlink_loops_and_dangling_links_are_failed_inputs(tmp_path: Path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "good.txt").write_text(article_text(0), encoding="utf-8")
    (feed / "self.txt").symlink_to("self.txt")
    (feed / "ping.txt").symlink_to("pong.txt")
    (feed / "pong.txt").symlink_to("ping.txt")
    (feed / "dangling.txt").symlink_to("missing.txt")
    (feed / "round").symlink_to(".")  # a folder loop: not followed, and not a .txt input
    out = tmp_path / "out"
    report = run([feed], out, tiers="none")
    assert (report.ok, report.failed) == (1, 4)
    entries = Manifest(out).load()
    assert entries["self.txt"]["status"] == "failed" and "symbolic links" in entries["self.txt"]["error"]
    dangling = entries["dangling.txt"]
    assert dangling["status"] == "failed" and "no such file" in dangling["error"].lower()
    assert {"ping.txt", "pong.txt"} <= set(entries)


def test_a_looping_symlink_named_as_an_argument_is_a_failed_input(tmp_path: Path):
    loop = tmp_path / "loop.txt"
    loop.symlink_to("loop.txt")
    records = tmp_path / "loop.jsonl"
    records.symlink_to("loop.jsonl")
    good = write_records(tmp_path / "good.jsonl", [("g", article_text(0))])
    report = run([loop, records, good], tmp_path / "out", tiers="none")
    assert (report.ok, report.failed) == (1, 2)
    assert count_inputs([str(loop), str(records), str(good)]) == 3


# --------------------------------------------------------------------------------------------
# Write errors on standard output are not swallowed


@pytest.mark.parametrize(
    "error", [BrokenPipeError(errno.EPIPE, "Broken pipe"), OSError(errno.ENOSPC, "Full")],
)
def test_jsonl_stream_write_errors_propagate(tmp_path: Path, error: OSError):
    class Failing(io.StringIO):
        def write(self, text: str) -> int:
            raise error

    records = write_records(tmp_path / "in.jsonl", [("a", article_text(0)), ("b", "")])
    with pytest.raises(type(error)) as raised:
        run([records], None, output_format="jsonl", stream=Failing(), tiers="none")
    assert raised.value.errno == error.errno


# --------------------------------------------------------------------------------------------
# HTML: one page per article and an index of the run


def test_html_pages_and_an_index_of_the_run(tmp_path: Path):
    from wirebrief.render import html

    records = write_records(
        tmp_path / "in.jsonl",
        [("one", article_text(0)), ("two", ""), ("three", article_text(1)), ("\ud800", article_text(2))],
    )
    out = tmp_path / "out"
    report = run([records], out, output_format="html", tiers="headline")
    assert (report.ok, report.failed) == (3, 1)
    entries = Manifest(out).load()
    assert entries["one"]["output"] == "one.html"
    page = (out / "one.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert isinstance(entries["one"]["headline"], str) and entries["one"]["headline"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "one.html" in index and "three.html" in index
    expected = html.batch_index(list(entries.values()), title=f"wirebrief batch: {out.name}")
    # The id UTF-8 cannot hold shows as its escape; the rest of the index is as made.
    assert index == expected.replace("\ud800", "\\ud800")

    # A rerun skips them; their entries keep the headline and findings the index shows.
    again = run([records], out, output_format="html", tiers="headline")
    assert again.skipped == 3
    rerun = Manifest(out).load()
    for identifier in ("one", "three"):
        assert rerun[identifier]["status"] == "skipped"
        assert rerun[identifier]["headline"] == entries[identifier]["headline"]
        assert rerun[identifier]["findings"] == entries[identifier]["findings"]
    assert (out / "index.html").read_text(encoding="utf-8") == html.batch_index(
        list(rerun.values()), title=f"wirebrief batch: {out.name}").replace("\ud800", "\\ud800")


def test_every_ok_entry_has_its_headline_whatever_the_format(tmp_path: Path):
    records = write_records(tmp_path / "in.jsonl", [("one", article_text(0))])
    run([records], tmp_path / "out", tiers="headline")
    entry = Manifest(tmp_path / "out").load()["one"]
    brief = json.loads((tmp_path / "out" / entry["output"]).read_text(encoding="utf-8"))
    assert entry["headline"] == brief["summaries"]["headline"]
    run([records], tmp_path / "none", tiers="none")
    assert Manifest(tmp_path / "none").load()["one"]["headline"] is None
    assert not (tmp_path / "out" / "index.html").exists()  # only --format html makes an index


@pytest.mark.model
def test_cli_exit_10_when_the_manifest_is_a_folder(tmp_path: Path, tiny_models):
    from wirebrief.cli import cli

    out = tmp_path / "out"
    (out / MANIFEST).mkdir(parents=True)
    records = articles(tmp_path / "in.jsonl", "a")
    result = CliRunner().invoke(cli, [
        "batch", str(records), "--out", str(out), "--tiers", "none", "--no-cache", "--offline",
        "--engine", "torch", "--translation-model", str(tiny_models["translation"]), "--device", "cpu",
    ])
    assert result.exit_code == 10, result.output
    assert "manifest.jsonl" in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.model
def test_cli_poison_records_exit_7(tmp_path: Path, tiny_models):
    from wirebrief.cli import cli

    records = articles(tmp_path / "in.jsonl", "d/" * 3000 + "x", "\ud800")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "batch", str(records), "--out", str(out), "--tiers", "none", "--no-cache", "--offline",
        "--engine", "torch", "--translation-model", str(tiny_models["translation"]), "--device", "cpu",
        "--quiet",
    ])
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert len(manifest_lines(out)) == 2


def test_an_input_over_the_size_limit_fails_alone_unread(tmp_path, monkeypatch):
    from wirebrief.inputs import document

    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "small.txt").write_text("De minister sprak dinsdag in Brussel over de plannen van het kabinet.\n", encoding="utf-8")
    (feed / "huge.txt").write_bytes(b"a" * 4096)
    monkeypatch.setattr(document, "MAX_INPUT_BYTES", 1024)
    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real(self))
    report = run([feed], tmp_path / "out", tiers="none")
    assert (report.ok, report.failed) == (1, 1)
    assert "huge.txt" not in read  # refused from its size, never read whole
    entries = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    huge = next(entry for entry in entries if entry["id"] == "huge.txt")
    assert huge["status"] == "failed" and "more than the 1 KiB wirebrief reads from one input" in huge["error"]
