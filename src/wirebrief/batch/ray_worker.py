"""What runs inside Ray: the actor that briefs a block of articles, and the attempts ledger.

Imported only by a run with ``--ray`` (it imports ray at the top).

`BriefWorker` is the callable class Ray Data makes one of per actor. It loads its engines
once, lazily, on the first block, with its thread count set to the CPUs Ray gave it
(CTranslate2 and torch otherwise size themselves from every core of the machine, and several
actors on one node would fight over them). A block's articles are briefed together, in
windows, as the local batch does: sentences of every article in one pooled call.

An article that kills its actor (out of memory, a crash in the model runtime) would be retried
forever by Ray, which restarts actors and resubmits their work without limit. The `Ledger`, a
small actor on the driver's node, bounds that: it counts the tries of each block and, once a
block has been tried before, of each article in it. A block tried again is briefed one article
at a time, so the article that kills its actor is found and the others in its block are kept
(their outcomes stay in the ledger); an article past `MAX_TRIES` is returned as failed without
being tried again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import ray

from wirebrief.batch.steps import Job, Prepared, brief_window, failure, windows
from wirebrief.fs import shared_filesystem

#: Tries of one article on its own, after its block's pooled try killed an actor.
MAX_TRIES = 2


@ray.remote(num_cpus=0, max_restarts=0)
class Ledger:
    """Tries per block and per article, and the outcomes of articles briefed one at a time."""

    def __init__(self) -> None:
        self._tries: dict[str, int] = {}
        self._outcomes: dict[int, bytes] = {}

    def start(self, key: str) -> int:
        """Count one more try of `key` (a block's or an article's); returns the count."""
        self._tries[key] = self._tries.get(key, 0) + 1
        return self._tries[key]

    def outcome(self, index: int) -> bytes | None:
        return self._outcomes.get(index)

    def record(self, index: int, payload: bytes) -> None:
        self._outcomes[index] = payload


def _assigned_threads(default: int) -> int:
    """The CPUs Ray gave this actor (at least 1); `default` outside an actor (a test)."""
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
    except AssertionError:  # Ray answers only in a worker process
        return default
    return max(1, int(cpus)) if cpus else default


def _local_cache(settings: Any) -> tuple[Any, str | None]:
    """The settings this node can use: without the cache when its file is on a network
    filesystem here (SQLite's write-ahead log is not safe there), with a warning saying so."""
    if not settings.use_cache:
        return settings, None
    from wirebrief.engines.cache import default_cache_path

    path = settings.cache or default_cache_path()
    kind = shared_filesystem(path)
    if kind is None:
        return settings, None
    node = ray.get_runtime_context().get_node_id()[:8]
    warning = f"node {node}: the cache {path} is on {kind}, which SQLite cannot share safely; running without it"
    return replace(settings, use_cache=False), warning


class BriefWorker:
    """Ray Data's callable class: a block of prepared records in, one outcome each out.

    Each row's outcome is a pickled pair: the record's Brief, or its failure (`steps.Outcome`),
    and a warning about this actor's node, sent once.
    """

    def __init__(self, job: Job, ledger: Any, window_articles: int, window_sentences: int) -> None:
        threads = _assigned_threads(job.settings.threads)
        # Libraries that read these at import (OpenMP, MKL) are imported after this, lazily.
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(threads)
        settings, self._warning = _local_cache(replace(job.settings, threads=threads))
        self.job = replace(job, settings=settings)
        self.ledger = ledger
        self.window_articles = window_articles
        self.window_sentences = window_sentences
        #: This actor's engines: loaded on the first block that needs them, kept for every later
        #: one, released with the actor's process.
        self.pool: Any = None

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        indexes = batch.column("index").to_pylist()
        records = [pickle.loads(data) for data in batch.column("record").to_pylist()]
        block = hashlib.sha256(repr(sorted(indexes)).encode()).hexdigest()
        if ray.get(self.ledger.start.remote(f"block:{block}")) == 1:
            results = self._brief(records)
        else:
            results = [self._alone(index, record) for index, record in zip(indexes, records)]
        payloads = [pickle.dumps((result, self._said())) for result in results]
        return pa.table({"index": pa.array(indexes, pa.int64()), "outcome": pa.array(payloads, pa.binary())})

    def _said(self) -> str | None:
        warning, self._warning = self._warning, None
        return warning

    def _brief(self, records: Sequence[Prepared]) -> list[Any]:
        """Each record's Brief or failure, briefed in windows as the local batch does."""
        from wirebrief.engines.pool import EnginePool

        if self.pool is None:
            self.pool = EnginePool(self.job.settings)
        results: list[Any] = []
        for window in windows(records, self.window_articles, self.window_sentences):
            results.extend(brief_window(window, self.job, pool=self.pool))
        return results

    def _alone(self, index: int, record: Prepared) -> Any:
        """A record of a block that killed an actor before: its outcome from then, a failure
        once it has had its tries, or a brief of it on its own."""
        stored = ray.get(self.ledger.outcome.remote(index))
        if stored is not None:
            return pickle.loads(stored)
        tries = ray.get(self.ledger.start.remote(f"article:{index}"))
        if tries > MAX_TRIES:
            result: Any = failure(record.item, record.sha256, (
                f"{record.item.origin}: its worker process died each time it was briefed ({MAX_TRIES} tries "
                "on its own after one with its block): out of memory, or a crash in the model runtime"
            ), self.job)
        else:
            result = self._brief([record])[0]
        # Kept before it is returned: if this actor dies later in the block, it is not redone.
        ray.get(self.ledger.record.remote(index, pickle.dumps(result)))
        return result
