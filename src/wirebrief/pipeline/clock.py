"""How long a pipeline step took, split into loading and work, and what its engine was."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from wirebrief.engines.base import Engine


class StepClock:
    """A step's time, split into `load` (making engines, loading weights) and `work` (the rest).

    Engines load lazily, inside the first generate, and a cached engine is made only when the
    cache misses; each says how long that took (`startup_seconds`), so the split is exact.
    """

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._engines: list[tuple[Engine, float]] = []
        self._making = 0.0
        self.load = self.work = 0.0

    def engine(self, get: Callable[[], Engine]) -> Engine:
        """`get()`, its own time counted as loading, the engine watched until `stop`."""
        started = time.perf_counter()
        engine = get()
        self._making += time.perf_counter() - started
        self._engines.append((engine, engine.startup_seconds))
        return engine

    def stop(self) -> None:
        elapsed = time.perf_counter() - self._started
        loaded = sum(engine.startup_seconds - before for engine, before in self._engines)
        self.load = min(elapsed, self._making + loaded)
        self.work = elapsed - self.load


def describe_engine(engine: Engine) -> dict[str, Any]:
    """An engine's provenance, without counters that depend on what ran before."""
    described = engine.describe()
    if isinstance(described.get("cache"), dict):
        described["cache"] = {"path": described["cache"].get("path")}
    return described
