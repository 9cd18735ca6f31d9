"""The engines of a run: one owner that makes each once, puts it behind the cache, releases it.

A run asks for an engine by role ("translation" or "summary") and, for a routed translation,
by model name. The pool makes it on first request (lazily: the weights load on the first
generate, and behind the cache not even the tokenizer until the cache misses), keeps it for
later requests, and releases every engine and cache file on `close`. Nothing is shared between
pools, so no caller or test has a process-wide registry to clear, and no engine is changed
after it is made.

"pivot", "tiers" and "back" are translation steps too (into English for the summaries, the
English tiers into the target, and the translation back into the source for `--verify back`);
they share the translation engines, model by model, and are named as
such in messages about a missing model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType

from wirebrief.config import Settings
from wirebrief.engines import known_cache_key, make_engine
from wirebrief.engines.base import Engine
from wirebrief.engines.cache import CachedEngine, DeferredEngine
from wirebrief.engines.store import GenerationCache, default_cache_path
from wirebrief.errors import WirebriefError
from wirebrief.models import fingerprint, is_present, resolve

#: Roles as a message about a missing model names them.
ROLE_NAMES = {
    "translation": "translation",
    "pivot": "English pivot translation",
    "tiers": "tiers translation",
    "summary": "summary",
    "back": "back-translation",
}


def _family(role: str) -> str:
    """The kind of engine a role needs: every translation step shares the translation engines."""
    if role not in ROLE_NAMES:
        raise ValueError(f"unknown engine role {role!r}")  # a programming error
    return "summary" if role == "summary" else "translation"


class EnginePool:
    """Engines by role and model, made once each; a context manager that releases them.

    `supplied` holds ready engines (a fake in tests, or engines another run made) by role
    ("translation", "summary", "pivot", "tiers") or by role and model
    ("translation:{model}", "summary:{model}"); they are used as they are, never wrapped in
    the cache and never closed here.
    """

    def __init__(self, settings: Settings, *, supplied: Mapping[str, Engine] | None = None) -> None:
        self.settings = settings
        self._supplied = dict(supplied or {})
        self._made: dict[tuple[str, str], Engine] = {}
        self._caches: dict[Path, GenerationCache] = {}
        self._identities: dict[str, str] = {}

    # -- the contract -------------------------------------------------------------------------

    def get(self, role: str, model: str | None = None, *, announce: Callable[[], None] | None = None) -> Engine:
        """The engine for `role` (and a routed `model`; None: the settings' model for the
        role), made on first request; `announce` is called just before one is made."""
        supplied = self._supplied_engine(role, model)
        if supplied is not None:
            return supplied
        key = (_family(role), self._name(role, model))
        engine = self._made.get(key)
        if engine is None:
            if announce is not None:
                announce()
            engine = self._made[key] = self._make(role, key[1])
        return engine

    def has(self, role: str, model: str | None = None) -> bool:
        """Whether `get` would answer without making an engine."""
        if self._supplied_engine(role, model) is not None:
            return True
        return (_family(role), self._name(role, model)) in self._made

    def identity(self, role: str, model: str | None = None) -> str:
        """What a model computes, for keys of results made with it, without loading it: the
        cache key of a supplied engine, else the model's fingerprint ("absent:{name}" for a
        model that is not there: its articles fail, and are redone once it is)."""
        supplied = self._supplied_engine(role, model)
        if supplied is not None:
            key = supplied.cache_key()
            if key is not None:
                return key
        name = self._name(role, model)
        if name not in self._identities:
            try:
                self._identities[name] = fingerprint(resolve(name))
            except WirebriefError:
                self._identities[name] = f"absent:{name}"
        return self._identities[name]

    def engines(self) -> Iterator[tuple[str, str, Engine]]:
        """(role, model, engine) for every engine this pool made so far."""
        for (family, name), engine in self._made.items():
            yield family, name, engine

    def close(self) -> None:
        """Release every engine made here and close the cache files; the pool stays usable
        (it makes engines again when asked)."""
        made, self._made = self._made, {}
        for engine in made.values():
            engine.close()
        caches, self._caches = self._caches, {}
        for cache in caches.values():
            cache.close()

    def __enter__(self) -> EnginePool:  # noqa: PYI034 - Self needs Python 3.11 typing
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- making -------------------------------------------------------------------------------

    def _name(self, role: str, model: str | None) -> str:
        if model is not None:
            return model
        return self.settings.summary_model if role == "summary" else self.settings.translation_model

    def _supplied_engine(self, role: str, model: str | None) -> Engine | None:
        if role in self._supplied:
            return self._supplied[role]
        return self._supplied.get(f"{_family(role)}:{self._name(role, model)}")

    def cache(self) -> GenerationCache:
        """The generation cache file the settings name, opened once per pool."""
        path = self.settings.cache or default_cache_path()
        cache = self._caches.get(path)
        if cache is None:
            cache = self._caches[path] = GenerationCache(path)
        return cache

    def _make(self, role: str, name: str) -> Engine:
        """A new engine for `name`, behind the generation cache unless it is switched off."""
        settings = self.settings
        ref = resolve(name)

        def make() -> Engine:
            return make_engine(
                ref, role=ROLE_NAMES[role], engine=settings.engine, device=settings.device,
                offline=settings.offline, max_batch_tokens=settings.max_batch_tokens,
                batch_size=settings.batch_size, threads=settings.threads, shortlist=settings.shortlist,
            )

        if not settings.use_cache:
            return make()
        cache = self.cache()
        # Where the engine's identity is known up front, it is made only if the cache cannot answer.
        key = known_cache_key(ref, settings.engine, settings.device, shortlist=settings.shortlist) if ref.is_local or is_present(ref) else None
        inner = DeferredEngine(key, ref.location, make, cache) if key else make()
        return CachedEngine(inner, cache)
