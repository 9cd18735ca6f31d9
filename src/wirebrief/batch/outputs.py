"""What a batch run writes: safe result names, atomic files, JSON any id can go into, and the
clean-up of temporary files a killed run left.

What goes wrong with one result (a name the file system refuses, a file where its folder must
be) is that input's failure; what goes wrong with the run's own files (--out, the manifest, its
lock, a full disk) is an OutputError naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from itertools import count
from pathlib import Path, PurePosixPath
from typing import Any

from wirebrief.batch.sources import SURROGATE
from wirebrief.errors import OutputError

MANIFEST = "manifest.jsonl"
INDEX = "index.html"
LOCK = ".manifest.lock"
FORMATS = ("json", "markdown", "html", "jsonl")
_SUFFIX = {"json": ".json", "markdown": ".md", "html": ".html"}
#: Characters never put in an output file name: control characters, those Windows refuses, and
#: surrogates (not Unicode text; a file system cannot store them).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\ud800-\udfff]+')
#: The run's own files at the top of --out, which no result may take.
_RUN_FILES = (MANIFEST, LOCK, INDEX)
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


def json_document(value: Any) -> str:
    return _json_text(value, indent=2) + "\n"


def _json_text(value: Any, indent: int | None = None) -> str:
    """JSON with its text readable, except lone surrogates (an id from a feed or an undecodable
    file name), which UTF-8 cannot hold: they are written as ``\\udXXX`` escapes, which JSON
    reads back as the same string. They can only be inside a string, so the result stays JSON."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


@contextlib.contextmanager
def run_file(path: Path, doing: str = "written") -> Iterator[None]:
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


def write_output(out_dir: Path, name: str, content: str, output_format: str) -> str | None:
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


def is_file(path: Path) -> bool:
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
