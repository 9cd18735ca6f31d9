"""An engine in front of the generation cache: answers from it, generates only what is new.

Wire copy repeats itself: the same sentence comes back in the next version of a story, in a
sister article, in a rerun. A sentence seen before is never translated twice, and a rerun of an
article already briefed never loads the model: engines load their weights on the first
`generate`, and `CachedEngine` only calls `generate` for texts the cache cannot answer. The
file itself is `store.GenerationCache`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from wirebrief.engines.base import Engine, Generation, GenerationParams, ProgressCallback
from wirebrief.engines.sqlite import SCHEMA_VERSION
from wirebrief.engines.store import (
    _ABOUT,
    _SCORES,
    _TOKENS,
    BUSY_TIMEOUT_S,
    QUERY_CHUNK,
    GenerationCache,
    canonical_params,
    default_cache_path,
    entry_key,
)
from wirebrief.errors import GenerationError

log = logging.getLogger(__name__)

__all__ = [
    "BUSY_TIMEOUT_S", "QUERY_CHUNK", "SCHEMA_VERSION", "CachedEngine", "DeferredEngine", "GenerationCache",
    "canonical_params", "default_cache_path", "entry_key",
]


#: The parameters side entries (token counts, descriptions) are stored under.
_SIDE_PARAMS = GenerationParams()


def _score_params(params: GenerationParams | None) -> GenerationParams:
    """What a score depends on besides the model and the pair: the language codes only."""
    if params is None:
        return _SIDE_PARAMS
    return GenerationParams(source_language=params.source_language, target_language=params.target_language)


def _score_entry(source: str, target: str) -> str:
    """A scored pair as one cache text: JSON, so no two pairs share it."""
    return json.dumps([source, target], ensure_ascii=False)


#: How a pair the engine did not score (too long for its decoder) is stored: asked again, it
#: would not be scored again, and asking would make the engine.
_UNSCORED = ""
_MISS = object()


def _read_score(generation: Generation) -> float | None | object:
    """A stored score, None for a pair stored as unscored, or `_MISS` for a row that is not a
    score (it is asked of the engine again)."""
    if generation.text == _UNSCORED:
        return None
    try:
        value = float(generation.text)
    except ValueError:
        return _MISS
    return value if value <= 0.0 else _MISS  # a mean log-probability is never above 0


def _store_about(cache: GenerationCache, key: str, engine: Any) -> dict[str, Any]:
    """Keep an engine's input limit and description beside its outputs: a later run answers
    from them without making the engine, and `stats` names the model by them."""
    about = {"max_input_tokens": engine.max_input_tokens, "describe": engine.describe()}
    cache.put_many(
        f"{key}{_ABOUT}", _SIDE_PARAMS,
        [("about", Generation(json.dumps(about), engine.max_input_tokens, 0, False))],
    )
    return about


def _read_about(text: str) -> dict[str, Any] | None:
    """A stored description, or None if it lacks what a brief's provenance shows (entries
    written before engines said their precision and name as a reader knows them)."""
    try:
        about = json.loads(text)
    except ValueError:
        return None
    if not isinstance(about, dict) or not isinstance(about.get("max_input_tokens"), int):
        return None
    described = about.get("describe")
    if not isinstance(described, dict):
        return None
    if not all(isinstance(described.get(name), str) for name in ("engine", "dtype", "device", "model")):
        return None
    return about


class CachedEngine(Engine):
    """An engine in front of another: answers from the cache, generates only what is new.

    Everything but `generate` is passed through without touching the weights, so a run whose
    every text is cached never loads the model. `hits` counts inputs answered without the
    model (from the cache, or a repeat of a text earlier in the same call); `misses` counts
    texts the model generated.
    """

    def __init__(self, inner: Engine, cache: GenerationCache) -> None:
        self.inner = inner
        self.cache = cache
        self.hits = 0
        self.misses = 0
        self._described = False

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def max_input_tokens(self) -> int:
        return self.inner.max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def cache_key(self) -> str | None:
        return self.inner.cache_key()

    @property
    def startup_seconds(self) -> float:  # type: ignore[override]
        """Seconds the engine behind the cache spent being made and loading weights so far."""
        return self.inner.startup_seconds

    @property
    def loaded(self) -> bool:
        return self.inner.loaded

    def close(self) -> None:
        self.inner.close()

    def describe(self) -> dict[str, Any]:
        return {
            **self.inner.describe(),
            "cache": {"path": str(self.cache.path), "hits": self.hits, "misses": self.misses},
        }

    def generate(
        self,
        texts: Sequence[str],
        params: GenerationParams,
        progress: ProgressCallback | None = None,
    ) -> list[Generation]:
        """Every text's generation in input order; only texts never seen reach the model.

        Progress counts every input once: cache hits at once, the model's work as it reports
        it, and repeats of a generated text when the model is done.
        """
        texts = list(texts)
        if not texts:
            return []
        key = self.cache_key()
        results: dict[int, Generation] = self.cache.get_many(key, params, texts)
        if results and progress is not None:
            progress(len(results))
        # Each distinct missing text once, in order of first appearance, with all its places.
        missing: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            if index not in results:
                missing.setdefault(text, []).append(index)
        self.hits += len(results)
        if missing:
            sources = list(missing)
            generated = self.inner.generate(sources, params, progress)
            if len(generated) != len(sources):
                raise GenerationError(
                    f"engine {self.inner.model} returned {len(generated)} results for {len(sources)} texts"
                )
            # Asked again: an engine made just now may have corrected a key guessed up front.
            key = self.cache_key()
            self.cache.put_many(key, params, list(zip(sources, generated)))
            if not self._described and not isinstance(self.inner, DeferredEngine):
                # A deferred engine keeps its own; this one is named for `stats` here.
                _store_about(self.cache, key, self.inner)
                self._described = True
            repeats = 0
            for source, generation in zip(sources, generated):
                places = missing[source]
                repeats += len(places) - 1
                for index in places:
                    results[index] = generation
            self.misses += len(sources)
            self.hits += repeats
            if repeats and progress is not None:
                progress(repeats)
        return [results[index] for index in range(len(texts))]

    def score(
        self, sources: Sequence[str], targets: Sequence[str], params: GenerationParams | None = None
    ) -> list[float | None]:
        """Each pair's score (see `Engine.score`), from the cache where it is there: scores are
        kept beside the generations (``<key>#scores``, keyed by the pair and the language codes),
        so a rerun answered from the cache loads no model for them either."""
        sources, targets = list(sources), list(targets)
        if len(sources) != len(targets):
            raise ValueError(f"{len(targets)} targets for {len(sources)} sources")  # a programming error
        key = self.cache_key()
        if key is None:
            return self.inner.score(sources, targets, params)
        side = _score_params(params)
        entries = [_score_entry(source, target) for source, target in zip(sources, targets)]
        known = {index: _read_score(found) for index, found in self.cache.get_many(f"{key}{_SCORES}", side, entries).items()}
        results: dict[int, float | None] = {index: value for index, value in known.items() if value is not _MISS}  # type: ignore[misc]
        missing: dict[str, list[int]] = {}
        for index, entry in enumerate(entries):
            if index not in results:
                missing.setdefault(entry, []).append(index)
        if missing:
            first = [places[0] for places in missing.values()]
            scored = self.inner.score([sources[i] for i in first], [targets[i] for i in first], params)
            key = self.cache_key()  # an engine made just now may have corrected the key
            self.cache.put_many(
                f"{key}{_SCORES}", side,
                [
                    (entry, Generation(_UNSCORED if value is None else repr(value), 0, 0, False))
                    for entry, value in zip(missing, scored)
                ],
            )
            for places, value in zip(missing.values(), scored):
                for index in places:
                    results[index] = value
        return [results[index] for index in range(len(sources))]


class DeferredEngine(Engine):
    """An engine made only when the cache cannot answer what is asked of it.

    The generations are cached by `CachedEngine`; this keeps the rest beside them: token counts
    (under ``<key>#tokens``) and the model's input limit and description (``<key>#about``). A
    rerun answered entirely from the cache then loads no tokenizer, imports neither
    transformers nor torch, and loads no weights. `key` must be what the engine's own
    `cache_key()` will say; it is checked when the engine is made, and the engine's own key
    wins (with a warning) if they differ.
    """

    def __init__(self, key: str, model: str, factory: Callable[[], Engine], cache: GenerationCache) -> None:
        self._key = key
        self.model = model
        self._factory = factory
        self._cache = cache
        self._engine: Engine | None = None
        self._about: dict[str, Any] | None = None
        self._made_seconds = 0.0
        #: What the engine said of its own start-up when it came: an engine the factory reuses
        #: (one per process) may have loaded its weights for an earlier caller.
        self._inherited_seconds = 0.0

    @property
    def engine(self) -> Engine:
        """The real engine, made on first need."""
        if self._engine is None:
            started = time.perf_counter()
            engine = self._factory()
            self._made_seconds = time.perf_counter() - started
            self._inherited_seconds = engine.startup_seconds
            actual = engine.cache_key()
            if actual != self._key:
                log.warning("cache key %s expected, engine says %s; using the engine's", self._key, actual)
                self._key = actual
            self._engine, self._about = engine, _store_about(self._cache, self._key, engine)
        return self._engine

    def cache_key(self) -> str:
        return self._key

    @property
    def startup_seconds(self) -> float:  # type: ignore[override]
        """Seconds this wrapper spent making the engine and loading its weights, so far.

        Start-up the engine had already done for someone else (a reused engine) is not counted.
        """
        if self._engine is None:
            return 0.0
        own = self._engine.startup_seconds - self._inherited_seconds
        return self._made_seconds + max(0.0, own)

    @property
    def loaded(self) -> bool:
        return self._engine is not None and self._engine.loaded

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    def _described(self) -> dict[str, Any]:
        if self._about is None and self._engine is None:
            found = self._cache.get_many(f"{self._key}{_ABOUT}", _SIDE_PARAMS, ["about"])
            if 0 in found:
                self._about = _read_about(found[0].text)
        if self._about is None:
            self.engine  # noqa: B018 - made for its description
        assert self._about is not None
        return self._about

    @property
    def max_input_tokens(self) -> int:
        return int(self._described()["max_input_tokens"])

    def describe(self) -> dict[str, Any]:
        if self._engine is not None:
            return self._engine.describe()
        return {**self._described()["describe"], "load_seconds": None}

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        texts = list(texts)
        key = f"{self._key}{_TOKENS}"
        known = self._cache.get_many(key, _SIDE_PARAMS, texts)
        missing = list(dict.fromkeys(text for index, text in enumerate(texts) if index not in known))
        counted: dict[str, int] = {}
        if missing:
            counts = self.engine.count_tokens(missing)
            counted = dict(zip(missing, counts))
            self._cache.put_many(
                key, _SIDE_PARAMS, [(text, Generation("", count, 0, False)) for text, count in counted.items()]
            )
        return [known[index].input_tokens if index in known else counted[text] for index, text in enumerate(texts)]

    def generate(
        self, texts: Sequence[str], params: GenerationParams, progress: ProgressCallback | None = None
    ) -> list[Generation]:
        return self.engine.generate(texts, params, progress)

    def score(
        self, sources: Sequence[str], targets: Sequence[str], params: GenerationParams | None = None
    ) -> list[float | None]:
        return self.engine.score(sources, targets, params)
