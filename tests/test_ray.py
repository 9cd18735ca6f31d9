"""`wirebrief batch --ray`: the local batch's promises kept on a Ray actor pool.

One local Ray (2 CPUs, no dashboard, its own temporary folder) serves the whole module. The
briefs are made on the tiny models without tiers, which keeps each Ray run short.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

if os.environ.get("CI"):
    import ray  # CI installs the ray extra: a missing Ray there is a failure, not a skip
else:
    ray = pytest.importorskip("ray")

pytestmark = [
    pytest.mark.ray,
    pytest.mark.model,
    # Ray Data sets its own deprecated fields when it copies its context; nothing of ours.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
]

from wirebrief.batch import run_batch
from wirebrief.batch.ray import run_batch_ray
from wirebrief.batch.ray_worker import MAX_TRIES, BriefWorker, Ledger
from wirebrief.batch.sources import Item
from wirebrief.batch.steps import Outcome, Prepared
from wirebrief.errors import ConfigError, UsageError

TEXTS = [
    "De minister van Financiën sprak dinsdag in Den Haag over de begroting. Hij zei dat er meer geld komt.",
    "Het kabinet wil 3 miljard euro extra uitgeven aan defensie. De oppositie is kritisch.",
    "In Amsterdam regende het gisteren de hele dag. Veel mensen bleven thuis.",
    "De trein naar Utrecht had een uur vertraging. Reizigers waren boos.",
    "Het museum opent volgende week een nieuwe tentoonstelling over Rembrandt.",
    "De burgemeester van Rotterdam opende zaterdag een nieuwe brug over de Maas.",
]
#: What the clocks say, which differs between any two runs.
_TIMES = {"timings", "seconds", "load_seconds", "total_seconds", "elapsed_seconds"}


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray for the module; its temporary folder is short (socket paths are limited)."""
    folder = tempfile.mkdtemp(prefix="ray-")
    os.environ["RAY_TMPDIR"] = folder
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=folder, log_to_driver=False)
    yield ray
    ray.shutdown()
    del os.environ["RAY_TMPDIR"]
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def settings(tiny_settings):
    from dataclasses import replace

    return replace(tiny_settings, threads=1)


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("feed")
    for number, text in enumerate(TEXTS):
        (folder / f"article-{number}.txt").write_text(text, encoding="utf-8")
    (folder / "empty.txt").write_text("")
    records = folder.parent / "wire.jsonl"
    records.write_text(json.dumps({"id": "wire-1", "text": TEXTS[0]}) + "\n{not json\n", encoding="utf-8")
    return [str(folder), str(records)]


def _stripped(value):
    if isinstance(value, dict):
        return {key: _stripped(item) for key, item in value.items() if key not in _TIMES}
    if isinstance(value, list):
        return [_stripped(item) for item in value]
    return value


def _manifest(lines: str) -> dict[str, dict]:
    entries = [json.loads(line) for line in lines.splitlines()]
    by_id = {entry["id"]: _stripped(entry) for entry in entries}
    assert len(by_id) == len(entries), "an input is in the manifest more than once"
    return by_id


def _results(folder: Path) -> dict[str, object]:
    return {
        path.relative_to(folder).as_posix(): _stripped(json.loads(path.read_text()))
        for path in folder.rglob("*.json")
    }


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, feed, settings):
    out = tmp_path_factory.mktemp("local")
    run_batch(feed, out_dir=out, settings=settings, tiers="none")
    return out


def test_ray_results_and_manifest_equal_the_local_batch_s(local_ray, local_run, feed, settings, tmp_path):
    out = tmp_path / "on ray"
    report = run_batch_ray(feed, out_dir=out.as_uri(), settings=settings, tiers="none", actors=2)

    assert _results(out) == _results(local_run)
    manifest = _manifest((out / "manifest.jsonl").read_text())
    assert manifest == _manifest((local_run / "manifest.jsonl").read_text())
    # The broken line and the empty file failed alone; everything else is there.
    assert manifest["wire-2"]["status"] == "failed" and "not valid JSON" in manifest["wire-2"]["error"]
    assert manifest["empty.txt"]["status"] == "failed"
    assert (report.ok, report.failed, report.skipped) == (len(TEXTS) + 1, 2, 0)
    assert not (out / "manifest.parts").exists() or not any((out / "manifest.parts").iterdir())


def test_a_rerun_skips_everything_and_starts_no_ray(local_run, feed, settings, monkeypatch, tmp_path):
    def no_ray():
        raise AssertionError("Ray was asked for, with nothing left to brief")

    out = shutil.copytree(local_run, tmp_path / "again")
    monkeypatch.setattr("wirebrief.batch.ray.import_ray", no_ray)
    report = run_batch_ray(feed, out_dir=out, settings=settings, tiers="none", actors=2)
    # The two failed inputs fail again while being read, without Ray.
    assert (report.ok, report.skipped, report.failed) == (0, len(TEXTS) + 1, 2)


def _actor_pids() -> list[int]:
    """The processes of this module's Ray that run a BriefWorker."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"BriefWorker" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class _KillOnce:
    """An observer that SIGKILLs one actor when the first brief comes back."""

    def __init__(self) -> None:
        self.killed: list[int] = []

    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def article(self, entry, report) -> None:
        if entry["status"] == "ok" and not self.killed:
            pids = _actor_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                self.killed.append(pids[0])


def test_an_actor_killed_mid_run_still_gives_every_result_once(local_ray, local_run, feed, settings, tmp_path):
    out = tmp_path / "killed"
    observer = _KillOnce()
    report = run_batch_ray(
        feed, out_dir=out, settings=settings, tiers="none", actors=2, window_articles=1, observer=observer,
    )
    assert observer.killed, "no actor was found to kill"
    assert (report.ok, report.failed) == (len(TEXTS) + 1, 2)
    assert _results(out) == _results(local_run)
    assert _manifest((out / "manifest.jsonl").read_text()) == _manifest((local_run / "manifest.jsonl").read_text())


def _record(number: int) -> Prepared:
    item = Item(f"article-{number}", f"feed/article-{number}.txt")
    return Prepared(item, f"sha-{number}", 0.0, None, "key", f"article-{number}.json")


def test_an_article_that_keeps_killing_its_actor_is_failed_after_its_tries(local_ray, settings):
    """A block given again is briefed one article at a time: an article with an outcome from
    then keeps it, one that has had its tries fails without being briefed again."""
    import pyarrow as pa

    from wirebrief.batch.steps import make_job
    from wirebrief.options import Options

    job = make_job(settings, Options(tiers="none", output_format="json"), Path("unused"))
    ledger = Ledger.remote()
    kept = Outcome({"id": "article-0", "status": "ok"})
    ray.get(ledger.record.remote(0, pickle.dumps(kept)))
    block = hashlib.sha256(repr([0, 1]).encode()).hexdigest()
    ray.get(ledger.start.remote(f"block:{block}"))  # the block's pooled try killed its actor
    for _ in range(MAX_TRIES):
        ray.get(ledger.start.remote("article:1"))  # and article 1 killed it on its own, each time

    worker = BriefWorker(job, ledger, window_articles=8, window_sentences=100)
    batch = pa.table({"index": [0, 1], "record": [pickle.dumps(_record(0)), pickle.dumps(_record(1))]})
    payloads = worker(batch).column("outcome").to_pylist()
    (first, _), (second, _) = (pickle.loads(payload) for payload in payloads)

    assert first == kept
    assert second.status == "failed" and "died each time" in second.entry["error"]
    assert second.entry["error"].startswith("feed/article-1.txt")
    assert pickle.loads(ray.get(ledger.outcome.remote(1))) == second
    ray.kill(ledger)


def test_cuda_on_a_cluster_without_gpus_is_refused_at_once(local_ray, feed, settings, tmp_path):
    from dataclasses import replace

    with pytest.raises(ConfigError, match="no GPU"):
        run_batch_ray(feed, out_dir=tmp_path / "out", settings=replace(settings, device="cuda"), tiers="none")


def test_more_cpus_than_the_cluster_has_are_refused(local_ray, feed, settings, tmp_path):
    with pytest.raises(ConfigError, match="need 6 CPUs"):
        run_batch_ray(feed, out_dir=tmp_path / "out", settings=settings, tiers="none", actors=3, actor_cpus=2)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"shard": (1, 2)}, "--shard"),
    ({"output_format": "jsonl", "out_dir": None}, "jsonl"),
    ({"engines": {"translation": object()}}, "engines"),
    ({"actors": 0}, "at least 1"),
])
def test_what_ray_mode_cannot_do_is_refused_before_anything_runs(feed, settings, tmp_path, arguments, message):
    given = {"out_dir": tmp_path / "out", "settings": settings, "tiers": "none", **arguments}
    with pytest.raises(UsageError, match=message):
        run_batch_ray(feed, **given)
    assert not (tmp_path / "out").exists()


def test_a_cache_on_a_network_filesystem_is_refused(feed, settings, tmp_path, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr("wirebrief.batch.ray.shared_filesystem", lambda path: "nfs4")
    with pytest.raises(ConfigError, match="nfs4"):
        run_batch_ray(feed, out_dir=tmp_path / "out", settings=replace(settings, use_cache=True), tiers="none")


def test_without_ray_installed_the_error_names_the_extra(monkeypatch, feed, settings, tmp_path):
    import sys

    from wirebrief.batch.ray import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(UsageError) as caught:
        import_ray()
    assert "wirebrief[ray]" in caught.value.one_line()
    # Refused before any input is read, even when nothing would need Ray.
    with pytest.raises(UsageError, match="Ray Data"):
        run_batch_ray(feed, out_dir=tmp_path / "out", settings=settings, tiers="none")
    assert not (tmp_path / "out").exists()


def test_an_actor_whose_node_has_the_cache_on_a_network_filesystem_runs_without_it(local_ray, settings, monkeypatch):
    from dataclasses import replace

    from wirebrief.batch import ray_worker

    monkeypatch.setattr(ray_worker, "shared_filesystem", lambda path: "lustre")
    used, warning = ray_worker._local_cache(replace(settings, use_cache=True))
    assert not used.use_cache and "lustre" in warning and "without it" in warning
    monkeypatch.setattr(ray_worker, "shared_filesystem", lambda path: None)
    assert ray_worker._local_cache(replace(settings, use_cache=True)) == (replace(settings, use_cache=True), None)
