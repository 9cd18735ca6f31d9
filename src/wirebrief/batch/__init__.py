"""Batch runs: many articles in, one result file each, a manifest, resumable and shardable.

The inputs are read lazily, a window of articles at a time, so memory stays bounded however
long the feed is. Within a window every sentence of every article goes to the engine in one
pooled call, where it is sorted by length and packed by a token budget; then each article
gets its tiers and is written at once, atomically (a temporary file, then a rename).

`--out/manifest.jsonl` gets one line per input as it finishes: its id, input, sha256, status
(``ok``, ``failed``, ``skipped``), output and error. The last line for an id is its state, so
the file is only ever appended to while a run goes on (several shard processes may share it);
a run without shards rewrites it compactly at its end. A rerun skips an input whose result
exists for the same input hash and the same settings key (models, engine, tiers and their
prompts, generation settings, languages, format). Whatever point a run is killed at, a
rerun ends with the results an uninterrupted run would have given. With ``--format html`` each
result is a page and ``index.html`` lists the run, written from the manifest at its end.

Every input gets one manifest entry and a result name of its own (`Names`). What goes wrong
with one input (unreadable, not Unicode, a name the file system refuses) is that input's
failure and the run goes on; what goes wrong with the run's own files (--out, the manifest,
its lock, a full disk) stops it with an OutputError naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import count
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from wirebrief import __version__
from wirebrief.config import Settings
from wirebrief.errors import InputError, OutputError, UsageError, WirebriefError
from wirebrief.models import fingerprint, resolve

MANIFEST = "manifest.jsonl"
#: Default window: articles read and translated together, and the sentences they may hold.
WINDOW_ARTICLES = 128
WINDOW_SENTENCES = 4096
INDEX = "index.html"
FORMATS = ("json", "markdown", "html", "jsonl")
_SUFFIX = {"json": ".json", "markdown": ".md", "html": ".html"}
#: Characters never put in an output file name: control characters, those Windows refuses, and
#: surrogates (not Unicode text; a file system cannot store them).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\ud800-\udfff]+')
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: The run's own files at the top of --out, which no result may take.
_RUN_FILES = (MANIFEST, ".manifest.lock", INDEX)
#: Endings no folder in a result's name may have, so that a folder is never where a result or
#: a run file must be (ids ``coll`` and ``coll.json/inner``).
_FILE_ENDINGS = (".json", ".md", ".html", ".jsonl")
#: Names Windows keeps for devices, whatever their extension.
_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
#: Bytes of one part of a result's name before its hash and suffix (file systems allow 255).
_PART_BYTES = 150
#: Errors writing a result that no other result would escape: they stop the run.
_RUN_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
_HINTS = {
    errno.ENOSPC: "free some space and run again: finished results are kept",
    errno.EDQUOT: "free some space and run again: finished results are kept",
    errno.EROFS: "choose a writable --out",
}
_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Item:
    """One input article: where it came from and what the run calls it."""

    id: str
    #: What the manifest calls the input: a path, or ``file.jsonl:LINE``.
    origin: str
    path: Path | None = None
    #: The text of a JSONL record.
    text: str | None = None
    #: Why the input cannot be used at all (a broken JSONL line), found while listing.
    error: str | None = None


def _jsonl_items(lines: Iterable[bytes], origin: str, stem: str) -> Iterator[Item]:
    for number, raw in enumerate(lines, start=1):
        where = f"{origin}:{number}"
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Item(f"{stem}-{number}", where, error=f"line {number} is not valid JSON ({error})")
            continue
        if not isinstance(record, dict):
            yield Item(f"{stem}-{number}", where, error=f"line {number} is not a JSON object")
            continue
        identifier = record.get("id")
        identifier = f"{stem}-{number}" if identifier is None or str(identifier).strip() == "" else str(identifier)
        text = record.get("text")
        if not isinstance(text, str):
            yield Item(identifier, where, error=f'line {number} has no "text" string')
            continue
        lone = _SURROGATE.search(text)
        if lone:
            yield Item(identifier, where, error=(
                f"line {number}: the text holds a lone surrogate (U+{ord(lone.group()):04X}) at character "
                f"{lone.start() + 1}, which is not Unicode text"
            ))
            continue
        yield Item(identifier, where, text=text)


def _stdin_lines() -> Iterator[bytes]:
    yield from sys.stdin.buffer


def _jsonl_file(path: Path) -> Iterator[Item]:
    """The records of a .jsonl file; one that cannot be opened (a symlink loop) is a failed input."""
    try:
        handle = path.open("rb")
    except OSError as error:
        yield Item(path.stem, str(path), error=f"{path}: cannot be read ({error.strerror or error})")
        return
    with handle:
        yield from _jsonl_items(handle, str(path), path.stem)


def check_sources(sources: Sequence[str]) -> None:
    """Refuse, before anything runs, arguments that name nothing (a typo is a usage error)."""
    if not sources:
        raise UsageError("no inputs given", hint="pass files, folders, a .jsonl file, or - for JSONL on stdin")
    if list(sources).count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    for source in sources:
        # A broken symlink is named on purpose: it is an input, and it fails as one.
        if source != "-" and not (Path(source).exists() or Path(source).is_symlink()):
            raise UsageError(f"{source}: no such file or folder")


def collect(sources: Sequence[str], pattern: str = "*.txt") -> Iterator[Item]:
    """Every input named by `sources`, lazily, in a stable order, each with a unique id.

    A folder gives every file matching `pattern` under it, recursively (id: the path relative
    to the folder); a ``.jsonl`` file or ``-`` gives one article per line (``{"id", "text"}``;
    id: the record's ``id``, else ``<name>-<line>``); any other file is one article (id: its
    name). An id taken before gets ``~2``, ``~3``... (the first of them not taken), so no input
    is silently dropped; an id given later that an earlier repeat took is itself renamed.
    """
    taken: set[str] = set()
    repeats: dict[str, int] = {}
    for item in _raw_items(sources, pattern):
        if item.id in taken:
            number = next(n for n in count(repeats.get(item.id, 1) + 1) if f"{item.id}~{n}" not in taken)
            repeats[item.id] = number
            item = replace(item, id=f"{item.id}~{number}")
        taken.add(item.id)
        yield item


def _raw_items(sources: Sequence[str], pattern: str) -> Iterator[Item]:
    for source in sources:
        if source == "-":
            yield from _jsonl_items(_stdin_lines(), "<stdin>", "stdin")
            continue
        path = Path(source)
        if path.is_dir():
            for found in _matching(path, pattern):
                yield Item(found.relative_to(path).as_posix(), str(found), path=found)
        elif path.suffix.lower() == ".jsonl":
            yield from _jsonl_file(path)
        else:
            yield Item(path.name, str(path), path=path)


def _matching(folder: Path, pattern: str) -> list[Path]:
    """Files under `folder` matching any of the comma-separated glob patterns, once each, sorted."""
    patterns = [part.strip() for part in pattern.split(",") if part.strip()] or ["*"]
    return sorted({
        found for part in patterns for found in folder.rglob(part) if found.is_file() or _broken_link(found)
    })


def _broken_link(path: Path) -> bool:
    """A symlink that loops or leads nowhere: listed, so that it fails as an input, not in silence."""
    return path.is_symlink() and not path.exists()


def count_inputs(sources: Sequence[str], pattern: str = "*.txt") -> int | None:
    """How many inputs there are, cheaply (None when standard input is one of them)."""
    if "-" in sources:
        return None
    total = 0
    for source in sources:
        path = Path(source)
        if path.is_dir():
            total += len(_matching(path, pattern))
        elif path.suffix.lower() == ".jsonl":
            total += _count_records(path)
        else:
            total += 1
    return total


def _count_records(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 1  # it will be one failed input


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` → (K, N), 1 <= K <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise UsageError(f"--shard {text!r} is not K/N", hint="e.g. --shard 1/4 for the first of four processes")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N")
    return k, n


def in_shard(identifier: str, shard: tuple[int, int]) -> bool:
    """Whether an input belongs to shard K of N: a hash of its id, so every process agrees."""
    k, n = shard
    if n == 1:
        return True
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


# --------------------------------------------------------------------------------------------
# Outputs


def output_name(identifier: str, output_format: str) -> str:
    """A relative path under --out for an input id, which can never leave --out.

    Folders in the id are kept; ``..``, ``.``, empty parts, leading dots, control, reserved and
    surrogate characters are removed, parts are cut to 150 bytes, a folder never ends like a
    result file, a Windows device name gets ``_``. When that changed the id, a short hash of
    the id is added, so two different ids never share a result file. (`Names` also keeps apart
    names that differ only in case, and given names from made ones.)
    """
    parts = [cleaned for part in re.split(r"[\\/]+", identifier) if (cleaned := _clean_part(part))]
    if not parts:
        parts = ["article"]
    parts[:-1] = [f"{part}_" if part.casefold().endswith(_FILE_ENDINGS) else part for part in parts[:-1]]
    if "/".join(parts) != identifier:
        parts[-1] = f"{parts[-1]}-{_digest(identifier)[:8]}"
    parts[-1] += _SUFFIX[output_format]
    return str(PurePosixPath(*parts))


def _clean_part(part: str) -> str:
    cleaned = unicodedata.normalize("NFC", _UNSAFE.sub("_", part)).strip(" .")
    cleaned = cleaned.encode("utf-8")[:_PART_BYTES].decode("utf-8", "ignore").rstrip(" .")
    return f"{cleaned}_" if _DEVICE.fullmatch(cleaned) else cleaned


def _digest(identifier: str) -> str:
    return hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()


def _fold(name: str) -> str:
    """What a case-insensitive, normalising file system (macOS, Windows) sees of a name."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


class Names:
    """The result names of a run's inputs, none of which a file system can confuse.

    The first input to want a name gets it; a later one whose name differs from a taken one
    only in case or normalisation gets a hash of its id added (then ``~2``...). The run's own
    files are never given out. Every input of every shard is named, in input order, so the
    same input list gives the same names, in every shard and every rerun.
    """

    def __init__(self, output_format: str) -> None:
        self._format = output_format
        self._taken = {_fold(name) for name in _RUN_FILES}

    def name(self, identifier: str) -> str:
        name = output_name(identifier, self._format)
        if _fold(name) in self._taken:
            name = self._another(identifier, name)
        self._taken.add(_fold(name))
        return name

    def _another(self, identifier: str, name: str) -> str:
        suffix = _SUFFIX[self._format]
        stem = f"{name[: -len(suffix)]}~{_digest(identifier)[:16]}"
        for number in count(1):
            candidate = f"{stem}{'' if number == 1 else f'~{number}'}{suffix}"
            if _fold(candidate) not in self._taken:
                return candidate
        raise AssertionError("unreachable")


def write_atomic(path: Path, content: str, *, errors: str = "strict") -> None:
    """Write a file so that it is either absent, or whole: a temporary file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", errors=errors) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        # OSError, not only "not there": the error that got us here must not be hidden.
        with contextlib.suppress(OSError):
            temporary.unlink()


def json_line(value: Any) -> str:
    """One line of JSON, valid UTF-8 whatever it holds (see `_json_text`)."""
    return _json_text(value) + "\n"


def _json_document(value: Any) -> str:
    return _json_text(value, indent=2) + "\n"


def _json_text(value: Any, indent: int | None = None) -> str:
    """JSON with its text readable, except lone surrogates (an id from a feed or an undecodable
    file name), which UTF-8 cannot hold: they are written as ``\\udXXX`` escapes, which JSON
    reads back as the same string. They can only be inside a string, so the result stays JSON."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


@contextlib.contextmanager
def _run_file(path: Path, doing: str = "written") -> Iterator[None]:
    """A run's own file (--out, the manifest, its lock, the index) failing is the run's failure:
    an OutputError naming the path, not a bug."""
    try:
        yield
    except OSError as error:
        raise _output_error(path, error, doing) from error


def _output_error(path: Path, error: OSError, doing: str = "written") -> OutputError:
    return OutputError(f"{path}: cannot be {doing} ({error.strerror or error})", hint=_HINTS.get(error.errno))


def _shown(name: str, limit: int = 120) -> str:
    return name if len(name) <= limit else f"{name[:60]}...{name[-40:]}"


def _write_result(out_dir: Path, name: str, content: str, output_format: str) -> str | None:
    """Write one result. None when written, else why not: that input's failure (a name too
    long, a file where its folder must be). A full or read-only disk stops the run instead."""
    path = out_dir / name
    try:
        # A name's undecodable bytes (a surrogate-escaped file name) show as \udcXX in text.
        write_atomic(path, content, errors="strict" if output_format == "json" else "backslashreplace")
    except OSError as error:
        if error.errno in _RUN_ERRNOS or _refused_in(out_dir, error):
            raise _output_error(path, error) from error
        return f"{_shown(name)}: cannot be written ({error.strerror or error})"
    except ValueError as error:
        return f"{_shown(name)}: cannot be written ({error})"
    return None


def _refused_in(out_dir: Path, error: OSError) -> bool:
    """Whether --out itself refuses new files (no permission): then no result can be written.
    A subfolder that refuses them fails only the inputs whose results go there."""
    return (
        error.errno in (errno.EACCES, errno.EPERM)
        and error.filename is not None
        and Path(os.fsdecode(error.filename)).parent == out_dir
    )


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long: there is no such result
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete temporary files left by killed runs (their process is gone); returns how many."""
    removed = 0
    for path in out_dir.rglob(".*.tmp"):
        match = _TMP.match(path.name)
        if match and int(match.group("pid")) != os.getpid() and not _pid_alive(int(match.group("pid"))):
            # One that cannot be removed (no permission) harms nothing: it is never read.
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


class Manifest:
    """``manifest.jsonl``: appended one line at a time under a lock; the last line per id wins.

    Its lines are valid UTF-8 whatever the ids hold (see `json_line`). Any OS error on it or
    its lock is an OutputError naming the file.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST
        self._lock_path = out_dir / ".manifest.lock"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

        with _run_file(self._lock_path):
            lock = self._lock_path.open("a")
        with lock:  # closing it releases the lock
            with _run_file(self._lock_path, "locked"):
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def load(self) -> dict[str, dict[str, Any]]:
        """The latest entry per id. A line cut short by a killed run is ignored."""
        entries: dict[str, dict[str, Any]] = {}
        with _run_file(self.path, "read"):
            try:
                handle = self.path.open("rb")
            except FileNotFoundError:
                return entries
            with handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        continue
                    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                        entries[entry["id"]] = entry
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        line = json_line(entry).encode("utf-8")
        with self._locked(), _run_file(self.path):
            # A line a killed writer left unfinished must not swallow this one.
            with self.path.open("ab") as handle:
                if handle.tell() and not _ends_with_newline(self.path):
                    handle.write(b"\n")
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

    def compact(self) -> None:
        """Rewrite the manifest with one line per id (the latest), atomically."""
        with self._locked():
            entries = self.load()
            with _run_file(self.path):
                write_atomic(self.path, "".join(json_line(entry) for entry in entries.values()))

    def write_beside(
        self, name: str, render: Callable[[list[dict[str, Any]]], str], *, errors: str = "strict",
    ) -> None:
        """Write a file beside the manifest made from its latest entries, under its lock, so that
        of several shards the last to finish writes what all of them did."""
        path = self.path.with_name(name)
        with self._locked():
            content = render(list(self.load().values()))
            with _run_file(path):
                write_atomic(path, content, errors=errors)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


# --------------------------------------------------------------------------------------------
# The run


def _model_identity(name: str, role: str, engines: dict[str, Any], memo: dict[str, str] | None = None) -> str:
    """A model's identity: the cache key of an engine passed in (by role, or by model as
    pipeline.iter_briefs keeps them), else its fingerprint, without loading it."""
    engine = engines.get(role) or engines.get(f"{role}:{name}")
    if engine is not None and hasattr(engine, "cache_key"):
        return engine.cache_key()
    memo = {} if memo is None else memo
    if name not in memo:
        try:
            memo[name] = fingerprint(resolve(name))
        except WirebriefError:
            # Not there: the article will fail with the reason, and be redone once it is.
            memo[name] = f"absent:{name}"
    return memo[name]


def article_key(base: str, article: Any, settings: Settings, target_lang: str, tiers: bool,
                engines: dict[str, Any], memo: dict[str, str], plans: dict[str, Any]) -> str:
    """The settings key of one article: the run's settings plus the models its language is
    routed to, so that changing the German model redoes the German articles only. `memo`
    keeps model identities and `plans` the routing plan per language, across articles."""
    from wirebrief.pipeline import plan_for

    language = article.document.language
    if language not in plans:
        try:
            plans[language] = plan_for(language, target_lang, settings, tiers=tiers)
        except WirebriefError:
            plans[language] = None
    found = plans[language]
    if found is None:
        return base
    models = {role: _model_identity(route.model, "translation" if role == "translation" else role, engines, memo)
              for role, route in found.routes().items()}
    if found.summary_model:
        models["summary"] = _model_identity(found.summary_model, "summary", engines, memo)
    return hashlib.sha256(json.dumps([base, models], sort_keys=True).encode()).hexdigest()[:32]


def settings_key(
    settings: Settings,
    *,
    tiers: Sequence[Any],
    source_lang: str,
    target_lang: str,
    output_format: str,
    engines: dict[str, Any] | None = None,
    input_format: str = "auto",
) -> str:
    """What a result depends on besides its input; a result made with another key is redone.

    The models an article is routed to are added per article (`article_key`); here only the
    settings that name them count.
    """
    described = {
        "wirebrief": __version__,
        "models": {"translation": settings.translation_model, "summary": settings.summary_model if tiers else None},
        "engine": settings.engine,
        "device": settings.device,
        "num_beams": settings.num_beams,
        "retries": settings.retries,
        "tiers": {
            prompt.name: hashlib.sha256(prompt.path.read_bytes()).hexdigest() for prompt in tiers
        },
        "source_lang": source_lang,
        "target_lang": target_lang,
        "format": output_format,
        "input_format": input_format,
        # The glossary changes the findings in a result, so a new glossary redoes it.
        "glossary": _file_digest(settings.glossary) if settings.glossary else None,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:32]


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return f"unreadable:{path}"  # the glossary loader reports it properly


@dataclass
class Report:
    """What a batch run did, for the closing table and the exit code."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    #: Results written whose findings reached the --fail-on severity.
    flagged: int = 0
    sentences: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.ok + self.failed + self.skipped


class Observer(Protocol):
    """Where a batch run reports progress (the CLI draws it on stderr)."""

    def stage(self, description: str) -> None: ...

    def advance(self, count: int) -> None: ...

    def article(self, entry: dict[str, Any], report: Report) -> None: ...


class _Quiet:
    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def article(self, entry: dict[str, Any], report: Report) -> None:
        pass


@dataclass
class _Pending:
    """An input read and parsed, waiting for its window to be translated."""

    item: Item
    sha256: str
    started: float
    article: Any = None  # pipeline.Article
    error: str | None = None
    #: The settings key of this input's result (see article_key).
    key: str = ""
    #: Its result's name under --out (None for --format jsonl).
    name: str | None = None


def _read(item: Item, source_lang: str, started: float, input_format: str = "auto") -> _Pending:
    from wirebrief.pipeline import read_article

    if item.error is not None:
        return _Pending(item, "", started, error=item.error)
    if item.path is not None:
        from wirebrief.inputs.document import read_source

        try:  # at most the input limit is read: a huge file is refused from its size, unread
            data, _ = read_source(item.path)
        except InputError as error:
            return _Pending(item, "", started, error=error.one_line())
    else:
        data = (item.text or "").encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    try:
        article = read_article(item.origin, source_lang=source_lang, data=data, input_format=input_format)
    except InputError as error:
        return _Pending(item, digest, started, error=error.one_line())
    except UnicodeError as error:  # text that is not Unicode fails alone, whatever reads it
        return _Pending(item, digest, started, error=f"{item.origin}: not Unicode text ({error})")
    return _Pending(item, digest, started, article=article)


def _unchanged(previous: dict[str, Any] | None, pending: _Pending, out_dir: Path) -> bool:
    """Whether an input's result from before still stands: same input, same settings, still there."""
    return (
        previous is not None
        and previous.get("status") in ("ok", "skipped")
        and previous.get("sha256") == pending.sha256
        and previous.get("settings_key") == pending.key
        and pending.name is not None
        and _is_file(out_dir / pending.name)
    )


#: What a skipped input's entry keeps from the run that made its result (the index shows them).
_CARRIED = ("language", "translated", "findings", "headline")


def _carried(previous: dict[str, Any]) -> dict[str, Any]:
    return {key: previous[key] for key in _CARRIED if key in previous}


def _headline(result: Any) -> str | None:
    tier = result.summaries.get("headline") if result.summaries else None
    return tier.text if tier is not None else None


def _render(result: Any, output_format: str) -> str:
    if output_format == "json":
        return _json_document(result.to_dict())
    if output_format == "markdown":
        from wirebrief.render import to_markdown

        return to_markdown(result)
    from wirebrief.render.html import to_html

    return to_html(result)


def _write_index(manifest: Manifest, out_dir: Path) -> None:
    from wirebrief.render.html import batch_index

    title = f"wirebrief batch: {out_dir.resolve().name}"
    # An id with a lone surrogate shows as \ud800 on the page rather than stopping the run.
    manifest.write_beside(INDEX, lambda entries: batch_index(entries, title=title), errors="backslashreplace")


def _windows(pending: Iterator[_Pending | dict[str, Any]], articles: int, sentences: int) -> Iterator[list]:
    window: list = []
    read = held = 0
    for entry in pending:
        window.append(entry)
        if isinstance(entry, _Pending):
            read += 1
            if entry.article is not None:
                held += entry.article.document.sentence_count
        if read >= articles or held >= sentences:
            yield window
            window, read, held = [], 0, 0
    if window:
        yield window


def run_batch(
    sources: Sequence[str],
    *,
    out_dir: Path | None,
    settings: Settings,
    tiers: str | None = None,
    source_lang: str = "auto",
    target_lang: str = "en",
    output_format: str = "json",
    force: bool = False,
    shard: tuple[int, int] = (1, 1),
    pattern: str = "*.txt",
    window_articles: int = WINDOW_ARTICLES,
    window_sentences: int = WINDOW_SENTENCES,
    observer: Observer | None = None,
    stream=None,
    engines: dict[str, Any] | None = None,
    fail_on: str = "never",
    input_format: str = "auto",
) -> Report:
    """Brief every input; see the module docstring. Returns what happened.

    `engines` may supply ready engines by role (as for `pipeline.iter_briefs`). With ``output_format="jsonl"`` results go to `stream` (one JSON object per input, in input
    order) and `out_dir` must be None: there is no manifest, so nothing to resume.
    """
    from wirebrief.check import fails
    from wirebrief.pipeline import check_languages, iter_briefs
    from wirebrief.prompts import load_prompts, select_tiers

    if output_format not in FORMATS:
        raise UsageError(f"unknown batch format {output_format!r}", hint=f"use one of {', '.join(FORMATS)}")
    if output_format == "jsonl" and out_dir is not None:
        raise UsageError("--format jsonl writes to standard output; leave out --out")
    if output_format != "jsonl" and out_dir is None:
        raise UsageError("--out FOLDER is required", hint="or use --format jsonl to write to standard output")
    check_sources(sources)
    source_lang, target_lang = check_languages(source_lang, target_lang)
    chosen = select_tiers(load_prompts(settings.prompts_dir), tiers)
    engines = {} if engines is None else engines
    key = settings_key(
        settings, tiers=chosen, source_lang=source_lang, target_lang=target_lang,
        output_format=output_format, engines=engines, input_format=input_format,
    )
    observer = observer or _Quiet()
    stream = stream or sys.stdout
    report = Report()
    started = time.perf_counter()

    manifest = None
    done: dict[str, dict[str, Any]] = {}
    if out_dir is not None:
        with _run_file(out_dir, "created"):
            out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out_dir)
        manifest = Manifest(out_dir)
        done = manifest.load()

    def finish(entry: dict[str, Any]) -> None:
        status = entry["status"]
        setattr(report, status, getattr(report, status) + 1)
        if status == "failed":
            report.failures.append((entry["id"], entry["error"]))
        if manifest is not None:
            manifest.append(entry)
        elif output_format == "jsonl" and status == "failed":
            stream.write(json_line({"id": entry["id"], "status": "failed", "error": entry["error"]}))
            stream.flush()
        observer.article(entry, report)

    memo: dict[str, str] = {}
    plans: dict[str, Any] = {}
    # Engines the caller passed in; those loaded during the run must not change the keys.
    supplied = dict(engines)

    def entry_for(item: Item, sha: str, status: str, output: str | None, error: str | None,
                  item_key: str | None = None, **extra: Any) -> dict[str, Any]:
        return {
            "id": item.id, "input": item.origin, "sha256": sha, "status": status, "output": output,
            "error": error, "settings_key": item_key or key, **extra,
        }

    names = Names(output_format) if out_dir is not None else None

    def prepared() -> Iterator[_Pending | dict[str, Any]]:
        for item in collect(sources, pattern):
            # Every input is named, ours or another shard's, so that names never depend on the shard.
            name = names.name(item.id) if names is not None else None
            if not in_shard(item.id, shard):
                continue
            pending = _read(item, source_lang, time.perf_counter(), input_format)
            pending.key, pending.name = key, name
            if pending.article is not None:
                pending.key = article_key(key, pending.article, settings, target_lang, bool(chosen), supplied, memo, plans)
            if out_dir is not None and pending.error is None and not force:
                previous = done.get(item.id)
                if _unchanged(previous, pending, out_dir):
                    assert previous is not None
                    yield entry_for(
                        item, pending.sha256, "skipped", name, None, pending.key, **_carried(previous)
                    )
                    continue
            yield pending

    for window in _windows(prepared(), window_articles, window_sentences):
        articles = [entry for entry in window if isinstance(entry, _Pending) and entry.article is not None]
        results = iter(
            iter_briefs(
                [entry.article for entry in articles], settings=settings, tiers=tiers, target_lang=target_lang,
                summarise=bool(chosen), progress=observer, engines=engines,
            )
        ) if articles else iter(())
        for entry in window:
            if isinstance(entry, dict):
                finish(entry)
                continue
            if entry.error is not None:
                finish(entry_for(entry.item, entry.sha256, "failed", None, entry.error))
                continue
            result = next(results)
            if isinstance(result, WirebriefError):
                finish(entry_for(entry.item, entry.sha256, "failed", None, result.one_line()))
                continue
            sentences = sum(len(paragraph.sentences) for paragraph in result.paragraphs)
            tokens = sum(sentence.output_tokens for paragraph in result.paragraphs for sentence in paragraph.sentences)
            report.sentences += sentences
            report.output_tokens += tokens
            if output_format == "jsonl":
                # Write errors (a reader gone, a full disk) are the caller's: nothing here catches them.
                stream.write(json_line({"id": entry.item.id, "status": "ok", "brief": result.to_dict()}))
                stream.flush()
            else:
                assert out_dir is not None and entry.name is not None
                why = _write_result(out_dir, entry.name, _render(result, output_format), output_format)
                if why is not None:
                    finish(entry_for(entry.item, entry.sha256, "failed", None, why))
                    continue
            counts = {
                severity: sum(1 for finding in result.findings if finding.severity == severity)
                for severity in ("error", "warning")
            }
            if fails(result.findings, fail_on):  # type: ignore[arg-type]
                report.flagged += 1
            finish(entry_for(
                entry.item, entry.sha256, "ok", entry.name, None, entry.key, sentences=sentences,
                output_tokens=tokens,
                findings=counts, seconds=round(time.perf_counter() - entry.started, 3),
                language=result.source_language, translated=result.translated,
                timings=result.provenance.get("timings", {}), headline=_headline(result),
            ))
    report.seconds = time.perf_counter() - started
    if manifest is not None and shard[1] == 1:
        manifest.compact()
    if manifest is not None and output_format == "html":
        assert out_dir is not None
        _write_index(manifest, out_dir)
    return report
