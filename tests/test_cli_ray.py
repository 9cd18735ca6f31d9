"""`wirebrief batch --ray`: the options, their refusals (no Ray needed), and one short run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wirebrief.cli import cli

TEXTS = [
    "De minister van Financiën sprak dinsdag in Den Haag over de begroting. Hij zei dat er meer geld komt.",
    "In Amsterdam regende het gisteren de hele dag. Veel mensen bleven thuis.",
]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture()
def feed(tmp_path: Path) -> Path:
    folder = tmp_path / "feed"
    folder.mkdir()
    for number, text in enumerate(TEXTS):
        (folder / f"article-{number}.txt").write_text(text, encoding="utf-8")
    return folder


def _one_line_usage_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("wirebrief: error:"), result.output
    assert all(word in lines[0] for word in words), result.output


@pytest.mark.parametrize(("args", "words"), [
    (["--actors", "2"], ["--actors", "--ray"]),
    (["--actor-cpus", "2"], ["--actor-cpus", "--ray"]),
    (["--actors", "2", "--actor-cpus", "2"], ["--actors and --actor-cpus", "--ray"]),
    (["--out", "s3://bucket/briefs"], ["s3://bucket/briefs", "--ray"]),
])
def test_ray_s_options_are_refused_without_ray(feed, tmp_path, args, words):
    out = ["--out", str(tmp_path / "out")] if "--out" not in args else []
    result = invoke("batch", str(feed), *out, *args)
    _one_line_usage_error(result, *words)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["--actors", "0"], ["--actor-cpus", "0"], ["--actors", "4097"]])
def test_actors_and_their_cpus_are_bounded(feed, tmp_path, args):
    result = invoke("batch", str(feed), "--out", str(tmp_path / "out"), "--ray", "local", *args)
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_ray_without_the_extra_is_refused_before_any_input_is_read(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    result = invoke("batch", str(tmp_path / "no such folder"), "--out", str(tmp_path / "out"), "--ray")
    _one_line_usage_error(result, "--ray needs Ray Data")
    assert "wirebrief[ray]" in result.output


def test_plain_ray_means_auto_and_takes_a_value_after_it(feed, tmp_path, monkeypatch):
    """What reaches run_batch_ray: plain --ray is "auto"; a value after it is the address."""
    import wirebrief.batch.ray as ray_driver
    from wirebrief.batch import Report

    calls = []

    def fake_run(sources, **kwargs):
        calls.append((sources, kwargs))
        return Report()

    monkeypatch.setattr(ray_driver, "require_ray", lambda: None)
    monkeypatch.setattr(ray_driver, "run_batch_ray", fake_run)
    out = tmp_path / "out"
    assert invoke("batch", str(feed), "--out", str(out), "--ray", "--quiet").exit_code == 0
    assert invoke("batch", str(feed), "--out", "s3://bucket/x", "--ray", "head:6379", "--actors", "3",
                  "--actor-cpus", "2", "--quiet").exit_code == 0
    (first_sources, first), (_, second) = calls
    assert first_sources == [str(feed)]
    assert (first["ray_address"], first["actors"], first["actor_cpus"]) == ("auto", 1, 1)
    assert first["out_dir"] == out  # a folder is a Path ...
    assert (second["ray_address"], second["actors"], second["actor_cpus"]) == ("head:6379", 3, 2)
    assert second["out_dir"] == "s3://bucket/x"  # ... a URI goes through as given


def test_neither_help_nor_a_plain_batch_imports_ray(tmp_path):
    code = (
        "import sys\n"
        "from wirebrief.cli import cli\n"
        "for args in (['batch', '--help'], ['batch', sys.argv[1]]):\n"
        "    try:\n        cli(args, prog_name='wirebrief')\n"
        "    except SystemExit:\n        pass\n"
        "loaded = sorted(name for name in sys.modules if name == 'ray' or name.startswith(('ray.', 'wirebrief.batch.ray')))\n"
        "assert not loaded, loaded\n"
    )
    # The plain batch stops at its missing --out, after the command has run its imports.
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "--out FOLDER is required" in result.stderr


@pytest.mark.ray
@pytest.mark.model
@pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
def test_a_batch_on_a_local_ray_writes_what_a_local_batch_writes(feed, tmp_path, tiny_models, monkeypatch):
    if not os.environ.get("CI"):
        pytest.importorskip("ray")
    flags = ["--translation-model", str(tiny_models["translation"]), "--summary-model", str(tiny_models["summary"]),
             "--num-beams", "1", "--device", "cpu", "--offline", "--no-cache", "--tiers", "none", "--threads", "1",
             "--quiet"]
    assert invoke("batch", str(feed), "--out", str(tmp_path / "local"), *flags).exit_code == 0
    monkeypatch.setenv("RAY_TMPDIR", "/tmp")  # Ray's socket paths are limited in length
    result = invoke("batch", str(feed), "--out", str(tmp_path / "ray"), *flags, "--ray", "local")
    assert result.exit_code == 0, result.output

    def entries(folder: Path) -> dict[str, str]:
        lines = (folder / "manifest.jsonl").read_text().splitlines()
        return {entry["id"]: entry["status"] for entry in map(json.loads, lines)}

    assert entries(tmp_path / "ray") == entries(tmp_path / "local") == {
        "article-0.txt": "ok", "article-1.txt": "ok",
    }
    for name in ("article-0.txt.json", "article-1.txt.json"):
        made_on_ray = json.loads((tmp_path / "ray" / name).read_text())
        made_here = json.loads((tmp_path / "local" / name).read_text())
        assert made_on_ray["paragraphs"] == made_here["paragraphs"]
