"""wirebrief batch: inputs, safe names, manifest, resume, shards, failures, pooling, kill and rerun."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes import FakeEngine

from wirebrief.batch import (
    MANIFEST,
    Manifest,
    collect,
    in_shard,
    output_name,
    parse_shard,
    remove_stale_temporaries,
    run_batch,
    write_atomic,
)
from wirebrief.cli import cli
from wirebrief.config import Settings
from wirebrief.errors import EXIT_PARTIAL, UsageError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "article-nl-2025-02.txt"


def example_paragraphs() -> list[str]:
    # The leading date marker is metadata, not text.
    text = re.sub(r"^\s*date \d{4}-\d{2}(-\d{2})?\s*", "", EXAMPLE.read_text(encoding="utf-8"))
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    # Long enough to be surely Dutch, short enough to keep the model tests quick.
    return [block for block in blocks if len(block.split()) >= 25]


def article_text(number: int, paragraphs: int = 1) -> str:
    blocks = example_paragraphs()
    return "\n\n".join(blocks[(number + offset) % len(blocks)] for offset in range(paragraphs)) + "\n"


@pytest.fixture()
def feed(tmp_path: Path) -> Path:
    """Three good articles (one in a subfolder) and three bad ones."""
    folder = tmp_path / "feed"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(article_text(0), encoding="utf-8")
    (folder / "b.txt").write_text(article_text(1), encoding="utf-8")
    (folder / "sub" / "c.txt").write_text(article_text(2), encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03 not text \x00")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    # Figures only: no language can be told from it, so it is refused rather than guessed.
    (folder / "figures.txt").write_text("2025-02 | 12.5 | 13.0 | 14.75 | 9 / 10 | 100%\n", encoding="utf-8")
    (folder / "notes.md").write_text("not matched by the default *.txt pattern\n", encoding="utf-8")
    return folder


def fake_engines() -> dict[str, FakeEngine]:
    engine = FakeEngine()
    return {"translation": engine, "summary": engine}


def manifest_entries(out: Path) -> dict[str, dict]:
    return Manifest(out).load()


def run(sources, out, engines=None, **options):
    options.setdefault("settings", Settings())
    options.setdefault("tiers", "headline")
    return run_batch([str(source) for source in sources], out_dir=out, engines=engines or fake_engines(), **options)


# --------------------------------------------------------------------------------------------
# Names never leave --out


@pytest.mark.parametrize(
    "identifier",
    ["../../x", "/etc/passwd", "..", ".", "", "a/../../b", "..\\..\\windows", "con:\x00name", " .hidden", "a//b"],
)
def test_output_names_stay_inside_out(tmp_path: Path, identifier: str):
    out = tmp_path / "out"
    name = output_name(identifier, "json")
    resolved = (out / name).resolve()
    assert resolved.is_relative_to(out.resolve()), name
    assert not any(part in ("", ".", "..") or part.startswith(".") for part in Path(name).parts)
    assert name.endswith(".json")


def test_output_names_keep_folders_and_never_collide():
    assert output_name("sub/c.txt", "json") == "sub/c.txt.json"
    assert output_name("a.txt", "markdown") == "a.txt.md"
    names = {output_name(identifier, "json") for identifier in ["a:b", "a_b", "a/b", "a\\b", "../a/b", "a b"]}
    assert len(names) == 6


def test_shards_cover_every_input_exactly_once():
    ids = [f"article-{number}" for number in range(200)]
    first = {identifier for identifier in ids if in_shard(identifier, (1, 2))}
    second = {identifier for identifier in ids if in_shard(identifier, (2, 2))}
    assert first.isdisjoint(second)
    assert first | second == set(ids)
    assert 60 < len(first) < 140  # a hash spreads them; neither shard is empty


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "x", "1-2", ""])
def test_bad_shard_is_a_usage_error(text: str):
    with pytest.raises(UsageError):
        parse_shard(text)


def test_collect_lists_folders_recursively_and_reads_jsonl(tmp_path: Path, feed: Path):
    records = tmp_path / "wire.jsonl"
    records.write_text(
        json.dumps({"id": "x1", "text": "Eerste bericht."}) + "\n"
        + "\n"
        + "{not json\n"
        + json.dumps({"text": "Zonder id."}) + "\n"
        + json.dumps({"id": "x1", "text": "Zelfde id."}) + "\n"
        + json.dumps({"id": 7, "body": "geen text"}) + "\n",
        encoding="utf-8",
    )
    items = list(collect([str(feed), str(records)]))
    ids = [item.id for item in items]
    assert ids[:5] == ["a.txt", "b.txt", "binary.txt", "empty.txt", "figures.txt"]
    assert ids[5] == "sub/c.txt" and "notes.md" not in ids
    jsonl = items[6:]
    assert [item.id for item in jsonl] == ["x1", "wire-3", "wire-4", "x1~2", "7"]
    assert jsonl[0].text == "Eerste bericht." and jsonl[0].origin.endswith("wire.jsonl:1")
    assert jsonl[1].error and "not valid JSON" in jsonl[1].error
    assert jsonl[2].text == "Zonder id."
    assert jsonl[3].text == "Zelfde id."  # a repeated id is kept under a new one, not dropped
    assert jsonl[4].error and '"text"' in jsonl[4].error


# --------------------------------------------------------------------------------------------
# A run on the fake engine


def test_batch_writes_one_result_per_good_input_and_records_failures(tmp_path: Path, feed: Path):
    out = tmp_path / "out"
    report = run([feed], out)
    assert (report.ok, report.failed, report.skipped) == (3, 3, 0)
    entries = manifest_entries(out)
    assert {entry["status"] for entry in entries.values()} == {"ok", "failed"}
    for identifier in ["a.txt", "b.txt", "sub/c.txt"]:
        entry = entries[identifier]
        assert entry["status"] == "ok" and entry["error"] is None
        result = json.loads((out / entry["output"]).read_text(encoding="utf-8"))
        source = (feed / identifier).read_text(encoding="utf-8").strip()
        assert [p["source"] for p in result["paragraphs"]] == [block.strip() for block in source.split("\n\n")]
        assert result["summaries"]["headline"]
        assert len(entry["sha256"]) == 64 and entry["sentences"] > 0
        assert (entry["language"], entry["translated"]) == ("nl", True)
        timings = entry["timings"]
        assert timings["translate_seconds"] >= 0 and timings["summarise_seconds"] >= 0
        assert timings["total_seconds"] >= timings["translate_seconds"] + timings["summarise_seconds"] - 0.002
    assert "binary" in entries["binary.txt"]["error"]
    assert "empty" in entries["empty.txt"]["error"]
    assert "figures.txt" in entries and entries["figures.txt"]["status"] == "failed"
    assert "no letters to tell its language from" in entries["figures.txt"]["error"]
    assert entries["figures.txt"]["output"] is None
    # Each line of the manifest is one input; nothing half-written is left behind.
    lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    assert not list(out.rglob("*.tmp"))


def test_sentences_of_a_window_are_translated_in_one_pooled_call(tmp_path: Path, feed: Path):
    engines = fake_engines()
    run([feed], tmp_path / "out", engines=engines, tiers="none")
    translation_calls = [call for call in engines["translation"].calls if not any(
        engines["translation"].is_summary_request(text) for text in call.texts
    )]
    assert len(translation_calls) == 1
    sources = {(feed / name).read_text(encoding="utf-8") for name in ["a.txt", "b.txt", "sub/c.txt"]}
    pooled = " ".join(translation_calls[0].texts)
    assert all(text.split()[0] in pooled for text in sources)


def test_a_small_window_gives_the_same_results(tmp_path: Path, feed: Path):
    run([feed], tmp_path / "wide", tiers="headline,lede")
    engines = fake_engines()
    run([feed], tmp_path / "narrow", engines=engines, tiers="headline,lede", window_articles=1)
    assert len([c for c in engines["translation"].calls if not engines["translation"].is_summary_request(c.texts[0])]) == 3
    for identifier in ["a.txt", "b.txt", "sub/c.txt"]:
        wide = strip_timings(json.loads((tmp_path / "wide" / f"{identifier}.json").read_text(encoding="utf-8")))
        narrow = strip_timings(json.loads((tmp_path / "narrow" / f"{identifier}.json").read_text(encoding="utf-8")))
        assert wide == narrow


def test_rerun_skips_what_is_done_and_redoes_what_changed(tmp_path: Path, feed: Path):
    out = tmp_path / "out"
    run([feed], out)
    engines = fake_engines()
    report = run([feed], out, engines=engines)
    assert (report.ok, report.skipped, report.failed) == (0, 3, 3)  # bad inputs are tried again
    assert engines["translation"].calls == []
    assert {e["status"] for i, e in manifest_entries(out).items() if i.endswith(("a.txt", "b.txt", "c.txt"))} == {"skipped"}

    # A changed input, a result deleted by hand: both redone; the rest still skipped.
    (feed / "a.txt").write_text(article_text(3), encoding="utf-8")
    (out / "b.txt.json").unlink()
    report = run([feed], out)
    assert (report.ok, report.skipped) == (2, 1)
    # Other settings (tiers) make other results: everything is redone.
    assert run([feed], out, tiers="lede").ok == 3
    assert run([feed], out, tiers="lede", force=True).ok == 3
    # The manifest ends with one line per input.
    assert len((out / MANIFEST).read_text(encoding="utf-8").splitlines()) == 6


def test_jsonl_results_go_to_the_stream_in_input_order(tmp_path: Path):
    import io

    records = tmp_path / "in.jsonl"
    records.write_text(
        "".join(
            json.dumps({"id": identifier, "text": text}) + "\n"
            for identifier, text in [("one", article_text(0)), ("two", ""), ("three", article_text(1))]
        ),
        encoding="utf-8",
    )
    stream = io.StringIO()
    report = run([records], None, output_format="jsonl", stream=stream, tiers="none")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["id"] for line in lines] == ["one", "two", "three"]
    assert [line["status"] for line in lines] == ["ok", "failed", "ok"]
    assert lines[0]["brief"]["paragraphs"][0]["source"] == article_text(0).strip()
    assert "empty" in lines[1]["error"]
    assert (report.ok, report.failed) == (2, 1)


def test_ids_that_try_to_escape_stay_inside_out(tmp_path: Path):
    records = tmp_path / "evil.jsonl"
    records.write_text(
        "".join(json.dumps({"id": identifier, "text": article_text(0)}) + "\n" for identifier in ["../../escaped", "/tmp/abs"]),
        encoding="utf-8",
    )
    out = tmp_path / "deep" / "out"
    report = run([records], out, tiers="none")
    assert report.ok == 2
    written = [path for path in tmp_path.rglob("*.json")]
    assert written and all(path.resolve().is_relative_to(out.resolve()) for path in written)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"output_format": "jsonl"}, "leave out --out"),
        ({"output_format": "yaml"}, "unknown batch format"),
    ],
)
def test_bad_batch_options_are_usage_errors(tmp_path: Path, feed: Path, options, message):
    with pytest.raises(UsageError, match=message):
        run([feed], tmp_path / "out", **options)


def test_missing_input_and_missing_out_are_usage_errors(tmp_path: Path, feed: Path):
    with pytest.raises(UsageError, match="no such file"):
        run([tmp_path / "nope"], tmp_path / "out")
    with pytest.raises(UsageError, match="--out"):
        run([feed], None)


def test_manifest_ignores_a_line_cut_short_and_appends_after_it(tmp_path: Path):
    manifest = Manifest(tmp_path)
    manifest.append({"id": "a", "status": "ok"})
    with manifest.path.open("ab") as handle:
        handle.write(b'{"id": "b", "sta')  # a writer killed mid-line
    manifest.append({"id": "c", "status": "failed"})
    assert set(manifest.load()) == {"a", "c"}


def test_atomic_write_leaves_no_temporary_and_stale_ones_are_removed(tmp_path: Path):
    write_atomic(tmp_path / "x" / "r.json", "{}\n")
    assert (tmp_path / "x" / "r.json").read_text() == "{}\n"
    assert not list(tmp_path.rglob("*.tmp"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / "x" / f".r.json.{dead.stdout.strip()}.tmp"
    stale.write_text("half")
    alive = tmp_path / "x" / f".s.json.{os.getpid()}.tmp"
    alive.write_text("mine")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not stale.exists() and alive.exists()


def strip_timings(value):
    """A result without what depends on the clock or on what ran before."""
    if isinstance(value, dict):
        return {
            key: strip_timings(item)
            for key, item in value.items()
            if key not in ("timings", "load_seconds", "seconds", "cache")
        }
    if isinstance(value, list):
        return [strip_timings(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# The real thing: the command line on the tiny models


@pytest.fixture()
def tiny_flags(tiny_models) -> list[str]:
    return [
        "--translation-model", str(tiny_models["translation"]), "--summary-model", str(tiny_models["summary"]),
        "--num-beams", "1", "--device", "cpu", "--engine", "torch", "--retries", "0", "--offline",
    ]


@pytest.mark.model
def test_cli_batch_exit_code_and_summary_on_partial_failure(tmp_path: Path, feed: Path, tiny_flags):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["batch", str(feed), "--out", str(out), "--tiers", "headline", "--no-cache", *tiny_flags],
        catch_exceptions=False,
    )
    assert result.exit_code == EXIT_PARTIAL
    assert result.stdout == ""
    assert "3 ok, 3 failed, 0 skipped of 6 inputs" in result.stderr
    assert "failed: binary.txt" in result.stderr
    briefs = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.json"))
    assert briefs == ["a.txt.json", "b.txt.json", "sub/c.txt.json"]
    headline = json.loads((out / "a.txt.json").read_text(encoding="utf-8"))["summaries"]["headline"]
    assert isinstance(headline, str)

    again = CliRunner().invoke(
        cli, ["batch", str(feed), "--out", str(out), "--tiers", "headline", "--no-cache", *tiny_flags],
        catch_exceptions=False,
    )
    assert "0 ok, 3 failed, 3 skipped" in again.stderr


def _kill_after(process: subprocess.Popen, out: Path, *, results: int, seconds: float = 300) -> set[str]:
    """SIGKILL a running batch once `results` inputs are done; the ids done by then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        entries = Manifest(out).load() if out.exists() else {}
        if sum(entry["status"] == "ok" for entry in entries.values()) >= results:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    return {identifier for identifier, entry in Manifest(out).load().items() if entry["status"] == "ok"}


def _results(folder: Path) -> dict[str, object]:
    """Every JSON result under `folder`, without what depends on the clock."""
    return {
        path.relative_to(folder).as_posix(): strip_timings(json.loads(path.read_text(encoding="utf-8")))
        for path in folder.rglob("*.json")
    }


def _batch_command(sources: list[str], tiny_flags: list[str], *extra: str) -> list[str]:
    return [sys.executable, "-m", "wirebrief", "batch", *sources, "--tiers", "none", "--no-cache", *tiny_flags, *extra]


@pytest.mark.model
def test_a_run_killed_part_way_and_rerun_gives_the_clean_results(tmp_path: Path, tiny_flags):
    feed = tmp_path / "feed"
    feed.mkdir()
    for number in range(6):
        (feed / f"n{number}.txt").write_text(article_text(number), encoding="utf-8")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    common = ("--window", "1")
    subprocess.run(_batch_command([str(feed)], tiny_flags, "--out", str(clean), *common), check=True, capture_output=True)

    process = subprocess.Popen(
        _batch_command([str(feed)], tiny_flags, "--out", str(killed), *common),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    done_before = _kill_after(process, killed, results=2)
    assert 2 <= len(done_before) < 6

    rerun = subprocess.run(
        _batch_command([str(feed)], tiny_flags, "--out", str(killed), *common), capture_output=True, text=True,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{6 - len(done_before)} ok, 0 failed, {len(done_before)} skipped" in rerun.stderr

    assert _results(killed) == _results(clean)
    assert not list(killed.rglob("*.tmp"))
    assert {e["status"] for e in Manifest(killed).load().values()} <= {"ok", "skipped"}


@pytest.mark.model
def test_two_shards_share_one_out_folder_and_cover_every_input(tmp_path: Path, tiny_flags):
    feed = tmp_path / "feed"
    feed.mkdir()
    for number in range(6):
        (feed / f"n{number}.txt").write_text(article_text(number), encoding="utf-8")
    out = tmp_path / "out"
    processes = [
        subprocess.Popen(
            _batch_command([str(feed)], tiny_flags, "--out", str(out), "--shard", shard),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for shard in ("1/2", "2/2")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    lines = [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]
    assert sorted(line["id"] for line in lines) == [f"n{number}.txt" for number in range(6)]
    assert sorted(path.name for path in out.glob("*.json")) == [f"n{number}.txt.json" for number in range(6)]


@pytest.mark.model
def test_jsonl_through_a_real_pipe(tmp_path: Path, tiny_flags):
    records = "".join(
        json.dumps({"id": f"w{number}", "text": article_text(number)}) + "\n" for number in range(3)
    ) + "this line is not json\n"
    result = subprocess.run(
        [sys.executable, "-m", "wirebrief", "batch", "-", "--format", "jsonl", "--tiers", "none", "--no-cache", *tiny_flags],
        input=records, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == EXIT_PARTIAL, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["w0", "w1", "w2", "stdin-4"]
    assert [line["status"] for line in lines] == ["ok", "ok", "ok", "failed"]
    assert all(line["brief"]["translation"] for line in lines[:3])
    assert "\x1b[" not in result.stdout + result.stderr  # no colour codes in a pipe


@pytest.mark.model
def test_a_cached_rerun_does_not_load_the_model(tmp_path: Path, feed: Path, tiny_settings, monkeypatch):
    from dataclasses import replace

    from wirebrief.engines import pool as pool_module

    settings = replace(tiny_settings, use_cache=True, cache=tmp_path / "cache.sqlite3", retries=0)
    first = run_batch([str(feed)], out_dir=tmp_path / "first", settings=settings, tiers="none")
    assert first.ok == 3
    made = []
    real = pool_module.make_engine
    monkeypatch.setattr(pool_module, "make_engine", lambda *args, **kwargs: made.append(args) or real(*args, **kwargs))
    second = run_batch([str(feed)], out_dir=tmp_path / "second", settings=settings, tiers="none")
    assert second.ok == 3
    assert not made, "every sentence was in the cache; no engine should have been made"
    for name in ["a.txt.json", "b.txt.json", "sub/c.txt.json"]:
        a = strip_timings(json.loads((tmp_path / "first" / name).read_text(encoding="utf-8")))
        b = strip_timings(json.loads((tmp_path / "second" / name).read_text(encoding="utf-8")))
        assert a == b



def test_fail_on_counts_results_with_findings_and_the_manifest_counts_them(tmp_path: Path, feed: Path):
    # The fake engine "translates" into EN(<Dutch>), which the checks rightly call untranslated.
    report = run([feed], tmp_path / "out", tiers="none", fail_on="error")
    assert (report.ok, report.flagged) == (3, 3)
    entry = manifest_entries(tmp_path / "out")["a.txt"]
    assert entry["findings"]["error"] > 0
    assert run([feed], tmp_path / "other", tiers="none", fail_on="never").flagged == 0


def test_a_new_glossary_redoes_the_results(tmp_path: Path, feed: Path):
    from dataclasses import replace

    out = tmp_path / "out"
    glossary = tmp_path / "g.tsv"
    glossary.write_text("NAVO\tNATO\n", encoding="utf-8")
    settings = replace(Settings(), glossary=glossary)
    assert run([feed], out, tiers="none", settings=settings).ok == 3
    assert run([feed], out, tiers="none", settings=settings).skipped == 3
    glossary.write_text("NAVO\tthe Alliance\n", encoding="utf-8")
    assert run([feed], out, tiers="none", settings=settings).ok == 3


def test_a_batch_reads_html_and_markdown_from_folders_and_jsonl(tmp_path: Path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    page = (Path(__file__).parent / "data" / "inputs" / "news-page.html").read_text(encoding="utf-8")
    (folder / "page.html").write_text(page, encoding="utf-8")
    (folder / "notes.md").write_text(
        "# Storm in Zeeland\n\nHet KNMI heeft code oranje afgegeven voor de hele provincie Zeeland.\n",
        encoding="utf-8",
    )
    (folder / "skip.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    records = tmp_path / "wire.jsonl"
    records.write_text(json.dumps({"id": "web", "text": page}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    report = run([folder, records], out, pattern="*.html,*.md")
    assert (report.ok, report.failed) == (3, 0)
    entries = manifest_entries(out)
    assert set(entries) == {"page.html", "notes.md", "web"}  # the .csv matched no pattern
    for identifier in ("page.html", "web"):
        result = json.loads((out / entries[identifier]["output"]).read_text(encoding="utf-8"))
        assert result["metadata"]["input_format"] == "html"
        assert result["metadata"]["title"] == "Europa zoekt eigen koers na Amerikaanse ommezwaai"
        assert not any("cookies" in p["source"] for p in result["paragraphs"])
    notes = json.loads((out / entries["notes.md"]["output"]).read_text(encoding="utf-8"))
    assert [p["kind"] for p in notes["paragraphs"]] == ["heading", "paragraph"]
    assert notes["paragraphs"][0]["source"] == "Storm in Zeeland"


@pytest.mark.model
@pytest.mark.parametrize("cache", ["surviving", "none"])
def test_default_engine_killed_and_resumed_with_mixed_windows_gives_the_clean_results(
    tmp_path: Path, tiny_models, cache: str,
):
    """The default engine (CTranslate2 int8 on a CPU), tiers made, windows of several articles:
    a rerun briefs the rest in windows the clean run never had, and must still give its results."""
    feed = tmp_path / "feed"
    feed.mkdir()
    for number in range(6):
        (feed / f"n{number}.txt").write_text(article_text(number), encoding="utf-8")
    flags = ["--translation-model", str(tiny_models["translation"]), "--summary-model", str(tiny_models["summary"]),
             "--device", "cpu", "--offline", "--tiers", "headline,lede", "--window", "4"]

    def command(out: Path, cache_file: Path | None) -> list[str]:
        caching = ["--cache", str(cache_file)] if cache_file else ["--no-cache"]
        return [sys.executable, "-m", "wirebrief", "batch", str(feed), "--out", str(out), *flags, *caching]

    clean, killed = tmp_path / "clean", tmp_path / "killed"
    subprocess.run(command(clean, tmp_path / "clean.sqlite3" if cache == "surviving" else None), check=True,
                   capture_output=True)
    cache_file = tmp_path / "killed.sqlite3" if cache == "surviving" else None
    process = subprocess.Popen(command(killed, cache_file), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done_before = _kill_after(process, killed, results=1, seconds=600)
    assert 1 <= len(done_before) < 6
    rerun = subprocess.run(command(killed, cache_file), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr

    assert _results(killed) == _results(clean)
