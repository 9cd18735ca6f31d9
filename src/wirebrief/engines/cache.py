"""A cache of model generations in one SQLite file, and an engine that consults it first.

Wire copy repeats itself: the same sentence comes back in the next version of a story, in a
sister article, in a rerun. A sentence seen before is never translated twice, and a rerun of an
article already briefed never loads the model: engines load their weights on the first
`generate`, and `CachedEngine` only calls `generate` for texts the cache cannot answer.

An entry is keyed by what determines the output: the engine's `cache_key()` (model, engine,
dtype or quantisation), the decoding parameters, and the source text. Decoding is greedy or
beam search, never sampling, so the stored output is what the model would say again.

The cache is an optimisation, never a source of failure: a damaged, foreign or unreadable file
is reported once and then bypassed, and a row is only returned after checking that it answers
exactly the question asked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from wirebrief.config import user_cache_dir
from wirebrief.engines.base import Engine, Generation, GenerationParams, ProgressCallback, startup_seconds
from wirebrief.errors import ConfigError, GenerationError

log = logging.getLogger(__name__)

#: The layout this code reads and writes, kept in `PRAGMA user_version`. A file with another
#: version (a newer wirebrief's) is left alone, not migrated or overwritten.
SCHEMA_VERSION = 1
#: How long to wait for another process's write lock before giving up on one operation.
BUSY_TIMEOUT_S = 10.0
#: Keys per lookup query: under SQLite's bound-variable limit (999 before SQLite 3.32).
QUERY_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    key TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    params TEXT NOT NULL,
    source TEXT NOT NULL,
    output TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    hit_limit INTEGER NOT NULL,
    created REAL NOT NULL
)
"""
_SIDE_FILES = ("-wal", "-shm", "-journal")
#: The columns of wirebrief's one table: a file with any other table is another program's.
_COLUMNS = {"key", "engine", "params", "source", "output", "input_tokens", "output_tokens", "hit_limit", "created"}
#: Entries kept beside an engine's outputs, under its key with this suffix: its token counts
#: and its description (see DeferredEngine).
_TOKENS, _ABOUT = "#tokens", "#about"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_cache_path() -> Path:
    """Where the cache lives unless a setting says otherwise."""
    return user_cache_dir() / "generations.sqlite3"


def canonical_params(params: GenerationParams) -> str:
    """The decoding parameters as one stable string: sorted keys, no whitespace."""
    return json.dumps(params.as_dict(), sort_keys=True, separators=(",", ":"))


def entry_key(engine_key: str, params_json: str, source: str) -> str:
    """The row key: sha256 of the three parts, JSON-encoded so no two triples share a preimage.

    JSON's ASCII escaping also makes any Python string hashable, even one with lone surrogates.
    """
    payload = json.dumps([engine_key, params_json, source], ensure_ascii=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


class _Unusable(Exception):
    """The file cannot serve as a cache; the message says why."""


class _Foreign(_Unusable):
    """What is at the cache path is not a cache file, so it is not ours to delete."""


def _is_transient(error: sqlite3.Error) -> bool:
    """Whether an error is another process holding a lock, which passes, not a broken file."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _reason(error: BaseException) -> str:
    if isinstance(error, _Unusable):
        return str(error)
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


def _storable(text: str) -> bool:
    """Whether SQLite can store the text (a lone surrogate cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


class GenerationCache:
    """Generations in a SQLite file, shared safely by every process that opens it.

    The file opens on first use, so building a cache costs nothing when nothing is asked of it.
    It runs in WAL mode (readers never block the writer), waits up to `BUSY_TIMEOUT_S` for
    another process's lock, and writes each `put_many` in one short transaction, so shard runs
    on one machine can share a file. `synchronous=NORMAL` may lose the last writes on a power
    cut, never the file: a lost entry only costs a retranslation.

    Any error other than a passing lock (a damaged file, a folder at the path, no permission, a
    schema this code does not know) is logged once as a warning, and from then on this object
    answers nothing and stores nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        #: Why the cache is bypassed, once it is.
        self._unusable: str | None = None
        # The pipeline calls from one thread, but a lock makes sharing the object harmless.
        self._lock = threading.RLock()

    @property
    def usable(self) -> bool:
        """False once an error has switched the cache off for this process."""
        return self._unusable is None

    # -- opening ------------------------------------------------------------------------------

    def _open(self, *, create: bool = True) -> sqlite3.Connection:
        """The connection, opened and checked on first call; raises `_Unusable` or sqlite3 errors."""
        if self._unusable is not None:
            raise _Unusable(self._unusable)
        if self._connection is not None:
            return self._connection
        if self.path.is_dir():
            raise _Foreign("it is a folder, not a file")
        if not create and not self.path.exists():
            raise FileNotFoundError(str(self.path))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _Unusable(f"its folder cannot be created: {_reason(error)}") from None
        self._inspect()
        # isolation_level=None: no implicit transactions; writes use explicit BEGIN IMMEDIATE.
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._check_schema(connection)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.debug("translation cache %s runs in %s mode, not WAL", self.path, mode)
            connection.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _inspect(self) -> None:
        """Refuse a file that is not a wirebrief cache before anything could change it.

        Read through a read-only connection: opening for writing would already let SQLite
        switch the journal mode or checkpoint another program's write-ahead log. A file is a
        cache when it holds wirebrief's table and nothing else; its version is checked after.
        """
        try:
            if self.path.stat().st_size == 0:
                return  # a new file: the schema is created in it
        except FileNotFoundError:
            return
        reader = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            version = reader.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                name: {row[1] for row in reader.execute(f"PRAGMA table_info({_quoted(name)})")}
                for (name,) in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            reader.close()
        if not tables and version == 0:
            return  # an empty database: the schema is created in it
        if version == SCHEMA_VERSION and tables == {"generations": _COLUMNS}:
            return
        if version > SCHEMA_VERSION and "generations" in tables:
            # A newer wirebrief's layout: not readable here, but a cache, so `clear` may renew it.
            raise _Unusable(f"schema version {version}; this wirebrief reads version {SCHEMA_VERSION}")
        raise _Foreign("it is an SQLite database of another program")

    def _check_schema(self, connection: sqlite3.Connection) -> None:
        """Create the table in a new file; refuse a file of another version or another program."""
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version != 0:
            raise _Unusable(f"schema version {version}; this wirebrief reads version {SCHEMA_VERSION}")
        # Version 0 is a new, empty file, unless it already holds tables: then it belongs to
        # something else, and writing into it could damage that.
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created the schema while this one waited for the lock.
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise _Foreign("it is an SQLite database of another program")
                connection.execute(_SCHEMA)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.rollback()
            raise
        if version not in (0, SCHEMA_VERSION):
            raise _Unusable(f"schema version {version}; this wirebrief reads version {SCHEMA_VERSION}")

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except sqlite3.Error:
                pass
            self._connection = None

    def close(self) -> None:
        """Close the file; the next use opens it again."""
        with self._lock:
            self._close()

    def _disable(self, error: BaseException) -> None:
        self._close()
        if self._unusable is None:
            self._unusable = _reason(error)
            log.warning(
                "translation cache %s is unusable (%s); continuing without it", self.path, self._unusable
            )

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn every failure into "bypass the cache": a lock skips one call, anything else all."""
        try:
            yield
        except sqlite3.Error as error:
            if _is_transient(error):
                # Another process held the lock for the whole timeout: skip this one operation.
                log.debug("translation cache %s busy during %s (%s); skipped", self.path, what, error)
                return
            self._disable(error)
        except (_Unusable, OSError) as error:
            self._disable(error)

    # -- lookups and stores -------------------------------------------------------------------

    def get_many(
        self, engine_key: str, params: GenerationParams, texts: Sequence[str]
    ) -> dict[int, Generation]:
        """The cached generation of each text that has one, by its index in `texts`.

        A row only counts if its stored engine, parameters and source equal the request, so a
        hash collision or a damaged row is a miss, never a wrong answer.
        """
        if not texts or self._unusable is not None:
            return {}
        params_json = canonical_params(params)
        wanted: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            wanted.setdefault(entry_key(engine_key, params_json, text), []).append(index)
        found: dict[int, Generation] = {}
        with self._lock, self._guard("lookup"):
            connection = self._open()
            keys = list(wanted)
            for start in range(0, len(keys), QUERY_CHUNK):
                chunk = keys[start : start + QUERY_CHUNK]
                rows = connection.execute(
                    "SELECT key, engine, params, source, output, input_tokens, output_tokens, hit_limit "
                    f"FROM generations WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, engine, stored_params, source, output, input_tokens, output_tokens, hit_limit in rows:
                    if engine != engine_key or stored_params != params_json:
                        continue
                    generation = _generation(output, input_tokens, output_tokens, hit_limit)
                    if generation is None:
                        continue
                    for index in wanted.get(key, ()):
                        # Compared per index: texts that collide on the hash share a key.
                        if texts[index] == source:
                            found[index] = generation
            return found
        # Reached only when the guard swallowed an error: answer nothing, not half.
        return {}

    def put_many(
        self, engine_key: str, params: GenerationParams, items: Sequence[tuple[str, Generation]]
    ) -> None:
        """Store generations (source text, result) in one transaction; replaces any old row.

        Replacing rather than ignoring lets a damaged row heal on the next store.
        """
        if not items or self._unusable is not None:
            return
        params_json = canonical_params(params)
        now = time.time()
        rows = [
            (
                entry_key(engine_key, params_json, source), engine_key, params_json, source,
                generation.text, int(generation.input_tokens), int(generation.output_tokens),
                int(bool(generation.hit_limit)), now,
            )
            for source, generation in items
            if _storable(source) and _storable(generation.text) and _storable(engine_key)
        ]
        if not rows:
            return
        with self._lock, self._guard("store"):
            connection = self._open()
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO generations (key, engine, params, source, output, "
                    "input_tokens, output_tokens, hit_limit, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.rollback()
                raise

    # -- maintenance --------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """What is in the cache, for `wirebrief cache`; never raises.

        Returns path, exists, size_bytes (the file and its write-ahead log), entries (model
        outputs; token counts and descriptions kept beside them are not counted), engines
        (outputs per model in a reader's words: "Helsinki-NLP/opus-mt-nl-en (CTranslate2,
        int8)"), oldest and newest (ISO 8601, UTC), usable, and reason only when not usable.
        A missing file is not created: it reports usable with no entries.
        """
        with self._lock:
            result: dict[str, Any] = {
                "path": str(self.path),
                "exists": self.path.exists(),
                "size_bytes": self._size_bytes(),
                "entries": 0,
                "engines": {},
                "oldest": None,
                "newest": None,
                "usable": True,
            }
            if self._unusable is not None:
                result.update(usable=False, reason=self._unusable, entries=None)
                return result
            if not result["exists"]:
                problem = self._cannot_create()
                if problem:
                    result.update(usable=False, reason=problem, entries=None)
                return result
            try:
                connection = self._open(create=False)
                counts = connection.execute(
                    "SELECT engine, count(*) FROM generations GROUP BY engine ORDER BY engine"
                ).fetchall()
                about = connection.execute(
                    "SELECT engine, output FROM generations WHERE engine LIKE ?", (f"%{_ABOUT}",)
                ).fetchall()
                oldest, newest = connection.execute(
                    "SELECT min(created), max(created) FROM generations"
                ).fetchone()
            except (sqlite3.Error, _Unusable, OSError) as error:
                # Reported, not disabled: a later lookup still warns once, as it would have.
                self._close()
                result.update(usable=False, reason=_reason(error), entries=None)
                return result
            engines = _engine_names(counts, about)
            result.update(
                engines=engines,
                entries=sum(engines.values()),
                oldest=_iso(oldest),
                newest=_iso(newest),
                size_bytes=self._size_bytes(),
            )
            return result

    def clear(self) -> int:
        """Remove every entry and return how many model outputs there were; the file shrinks.

        This is also how a user repairs a broken cache: a file that is not a readable SQLite
        database, or one with a schema version this wirebrief does not know, is deleted (with
        its -wal and -shm files) and created afresh, and 0 is returned. A folder at the path or
        another program's SQLite database is never deleted: that raises `ConfigError`, as does
        a file that stays locked or cannot be written.
        """
        with self._lock:
            self._unusable = None
            self._close()
            try:
                return self._clear_entries()
            except _Foreign as error:
                raise ConfigError(
                    f"translation cache {self.path} cannot be cleared: {error}",
                    hint="point the cache setting at a file of its own",
                ) from None
            except sqlite3.Error as error:
                if _is_transient(error):
                    raise ConfigError(
                        f"translation cache {self.path} cannot be cleared: it is locked by another process",
                        hint="try again when other wirebrief runs have finished",
                    ) from None
                broken: BaseException = error
            except _Unusable as error:
                broken = error
            except OSError as error:
                raise ConfigError(f"translation cache {self.path} cannot be cleared: {_reason(error)}") from None
            log.info("translation cache %s is unusable (%s); deleting it", self.path, _reason(broken))
            self._close()
            try:
                for path in (self.path, *(Path(f"{self.path}{suffix}") for suffix in _SIDE_FILES)):
                    path.unlink(missing_ok=True)
                self._unusable = None
                self._open()
            except (sqlite3.Error, _Unusable, OSError) as error:
                self._close()
                self._unusable = None
                raise ConfigError(f"translation cache {self.path} cannot be recreated: {_reason(error)}") from None
            return 0

    def _clear_entries(self) -> int:
        connection = self._open()
        connection.execute("BEGIN IMMEDIATE")
        try:
            count = connection.execute(
                "SELECT count(*) FROM generations WHERE engine NOT LIKE ? AND engine NOT LIKE ?",
                (f"%{_ABOUT}", f"%{_TOKENS}"),
            ).fetchone()[0]
            connection.execute("DELETE FROM generations")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise
        try:
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:
            # The entries are gone; the file shrinks on a later clear.
            log.debug("translation cache %s not compacted: %s", self.path, error)
        return int(count)

    def _cannot_create(self) -> str | None:
        """Why the missing file could not be created, judged without creating anything."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            return f"its folder cannot be created: {folder} is not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"it cannot be created: no permission to write in {folder}"
        return None

    def _size_bytes(self) -> int:
        total = 0
        for path in (self.path, Path(f"{self.path}-wal")):
            try:
                if path.is_file():
                    total += path.stat().st_size
            except OSError:
                pass
        return total


_KIND_NAMES = {"ctranslate2": "CTranslate2", "transformers": "transformers (torch)"}


def _engine_names(counts: Sequence[tuple[str, int]], about: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Outputs per engine key, each key named as a reader knows its model: the description
    stored beside it where there is one, else what the key itself says (kind:precision:model)."""
    described: dict[str, str] = {}
    for key, text in about:
        with suppress(ValueError, TypeError, KeyError):
            info = json.loads(text)["describe"]
            described[key.removesuffix(_ABOUT)] = f"{info['model']} ({info['engine']}, {info['dtype']})"
    names: dict[str, int] = {}
    for key, count in counts:
        if key.endswith((_ABOUT, _TOKENS)):
            continue
        name = described.get(key) or _name_from_key(key)
        if name in names:  # one model rebuilt in place: its older outputs apart
            name = f"{name} [{key.rsplit('@', 1)[-1].rsplit(':', 1)[-1][:8]}]"
        names[name] = names.get(name, 0) + count
    return names


def _name_from_key(key: str) -> str:
    kind, _, rest = key.partition(":")
    precision, _, identity = rest.partition(":")
    origin, _, model = identity.partition(":")
    if origin == "hub":
        model = model.rsplit("@", 1)[0]
    else:
        model = f"a local model ({model[:8]})" if model else key
    return f"{model} ({_KIND_NAMES.get(kind, kind)}, {precision})" if precision else model


def _generation(output: Any, input_tokens: Any, output_tokens: Any, hit_limit: Any) -> Generation | None:
    """A Generation from a row, or None if the row's values are not of the stored types."""
    if not isinstance(output, str) or hit_limit not in (0, 1):
        return None
    if not isinstance(input_tokens, int) or not isinstance(output_tokens, int):
        return None
    if input_tokens < 0 or output_tokens < 0:
        return None
    return Generation(
        text=output, input_tokens=input_tokens, output_tokens=output_tokens, hit_limit=bool(hit_limit)
    )


#: The parameters side entries (token counts, descriptions) are stored under.
_SIDE_PARAMS = GenerationParams()


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


class KeyedEngine(Engine, Protocol):
    """An engine that can name what it computes without loading its weights."""

    def cache_key(self) -> str: ...


class CachedEngine:
    """An engine in front of another: answers from the cache, generates only what is new.

    Everything but `generate` is passed through without touching the weights, so a run whose
    every text is cached never loads the model. `hits` counts inputs answered without the
    model (from the cache, or a repeat of a text earlier in the same call); `misses` counts
    texts the model generated.
    """

    def __init__(self, inner: KeyedEngine, cache: GenerationCache) -> None:
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

    def cache_key(self) -> str:
        return self.inner.cache_key()

    @property
    def startup_seconds(self) -> float:
        """Seconds the engine behind the cache spent being made and loading weights so far."""
        return startup_seconds(self.inner)

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


class DeferredEngine:
    """An engine made only when the cache cannot answer what is asked of it.

    The generations are cached by `CachedEngine`; this keeps the rest beside them: token counts
    (under ``<key>#tokens``) and the model's input limit and description (``<key>#about``). A
    rerun answered entirely from the cache then loads no tokenizer, imports neither
    transformers nor torch, and loads no weights. `key` must be what the engine's own
    `cache_key()` will say; it is checked when the engine is made, and the engine's own key
    wins (with a warning) if they differ.
    """

    def __init__(self, key: str, model: str, factory: Callable[[], KeyedEngine], cache: GenerationCache) -> None:
        self._key = key
        self.model = model
        self._factory = factory
        self._cache = cache
        self._engine: KeyedEngine | None = None
        self._about: dict[str, Any] | None = None
        self._made_seconds = 0.0
        #: What the engine said of its own start-up when it came: an engine the factory reuses
        #: (one per process) may have loaded its weights for an earlier caller.
        self._inherited_seconds = 0.0

    @property
    def engine(self) -> KeyedEngine:
        """The real engine, made on first need."""
        if self._engine is None:
            started = time.perf_counter()
            engine = self._factory()
            self._made_seconds = time.perf_counter() - started
            self._inherited_seconds = startup_seconds(engine)
            actual = engine.cache_key()
            if actual != self._key:
                log.warning("cache key %s expected, engine says %s; using the engine's", self._key, actual)
                self._key = actual
            self._engine, self._about = engine, _store_about(self._cache, self._key, engine)
        return self._engine

    def cache_key(self) -> str:
        return self._key

    @property
    def startup_seconds(self) -> float:
        """Seconds this wrapper spent making the engine and loading its weights, so far.

        Start-up the engine had already done for someone else (a reused engine) is not counted.
        """
        if self._engine is None:
            return 0.0
        own = startup_seconds(self._engine) - self._inherited_seconds
        return self._made_seconds + max(0.0, own)

    @property
    def loaded(self) -> bool:
        return self._engine is not None and bool(getattr(self._engine, "loaded", True))

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
