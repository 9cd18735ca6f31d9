"""Where files live: which filesystem holds a path, and output folders given as URIs.

Two questions a run spread over several machines has to answer before it starts:

- Is the cache file on a network filesystem? SQLite's write-ahead log needs shared memory
  between the processes that use a file, which NFS, Lustre, GPFS, CIFS and FUSE mounts do not
  give across machines (SQLite's own documentation says so): there each machine must use a
  file on its own disk. The kind of a mount is read from ``/proc/self/mountinfo`` (Linux);
  elsewhere the answer is "unknown" and nothing is refused.
- Where do results go? A plain path, or a URI that pyarrow's filesystems open (``file:///``,
  ``s3://``, ``gs://``, ``hdfs://``): `ObjectOutput` writes each object whole, so a reader
  never sees half a result.

pyarrow is imported only when a URI is used (it comes with the ``ray`` extra).
"""

from __future__ import annotations

import posixpath
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirebrief.errors import UsageError

MOUNTINFO = Path("/proc/self/mountinfo")
#: Filesystems shared between machines, by the type name the kernel gives them.
NETWORK_TYPES = frozenset({
    "nfs", "nfs4", "lustre", "gpfs", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "beegfs", "9p", "afs",
    "panfs", "orangefs",
})
#: Filesystems whose writes go to a file directly, not to a whole object put at once; a
#: result there is written under a temporary name and moved into place.
_MOVE_INTO_PLACE = frozenset({"local", "hdfs"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    """The mount a path is on: where it is mounted and the kernel's name for its type."""

    point: str
    kind: str

    @property
    def shared(self) -> bool:
        """Whether the filesystem is (or may be) shared between machines: network or FUSE."""
        return self.kind in NETWORK_TYPES or self.kind == "fuse" or self.kind.startswith(("fuse.", "fuseblk"))


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash in a path as octal escapes."""
    return _ESCAPE.sub(lambda found: chr(int(found.group(1), 8)), field)


def read_mounts(mountinfo: Path = MOUNTINFO) -> list[Mount]:
    """Every mount in mount order; empty where mountinfo cannot be read (not Linux)."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return []
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        # ID PARENT MAJOR:MINOR ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS
        if "-" not in fields[6:] or len(fields) < 10:
            continue
        separator = fields.index("-", 6)
        if separator + 1 < len(fields):
            mounts.append(Mount(_unescape(fields[4]), fields[separator + 1]))
    return mounts


def mount_of(path: Path, mountinfo: Path = MOUNTINFO) -> Mount | None:
    """The mount `path` is on (or would be on, for a file not created yet), or None if unknown.

    Symlinks in the existing part of the path are followed. Of several mounts on one point the
    last one, which hides the others, counts.
    """
    where = Path(path).expanduser().resolve(strict=False).as_posix()
    found: Mount | None = None
    for mount in read_mounts(mountinfo):
        point = mount.point.rstrip("/") or "/"
        inside = where == point or where.startswith(point if point == "/" else f"{point}/")
        if inside and (found is None or len(point) >= len(found.point.rstrip("/") or "/")):
            found = mount
    return found


def shared_filesystem(path: Path, mountinfo: Path = MOUNTINFO) -> str | None:
    """The type of the network or FUSE filesystem holding `path` (``"nfs4"``), else None."""
    mount = mount_of(path, mountinfo)
    return mount.kind if mount is not None and mount.shared else None


# --------------------------------------------------------------------------------------------
# Outputs named by URI


def is_uri(text: str) -> bool:
    """Whether an output is a URI (``s3://bucket/briefs``) rather than a path."""
    return bool(_SCHEME.match(str(text)))


class ObjectOutput:
    """A folder of results on any filesystem pyarrow opens, named by a URI.

    Names are relative POSIX paths under the URI's folder. `write` makes an object appear only
    whole: object stores (S3, GCS, Azure) publish an upload when it completes; on a local or
    HDFS filesystem the content goes to a temporary name first and is moved into place.
    Errors are OSError (pyarrow raises its IO errors as OSError).
    """

    def __init__(self, uri: str, filesystem: Any = None, root: str | None = None) -> None:
        if filesystem is None:
            from pyarrow import fs as pafs

            try:
                filesystem, root = pafs.FileSystem.from_uri(uri)
            except ValueError as error:  # pyarrow's ArrowInvalid: not a URI it knows
                raise UsageError(f"--out {uri}: {error}", hint="use a path, or a URI such as s3://bucket/folder") from None
        self.uri = uri.rstrip("/")
        self.filesystem = filesystem
        self.root = (root or "").rstrip("/")
        self._move = filesystem.type_name in _MOVE_INTO_PLACE

    def path(self, name: str) -> str:
        return posixpath.join(self.root, name) if self.root else name

    def describe(self, name: str) -> str:
        """How a message names an object: its full URI."""
        return f"{self.uri}/{name}"

    def make_root(self) -> None:
        if self._move and self.root:
            self.filesystem.create_dir(self.root, recursive=True)

    def is_file(self, name: str) -> bool:
        from pyarrow import fs as pafs

        try:
            return self.filesystem.get_file_info(self.path(name)).type == pafs.FileType.File
        except OSError:
            return False

    def read(self, name: str) -> bytes | None:
        """An object's bytes, or None when there is none."""
        if not self.is_file(name):
            return None
        with self.filesystem.open_input_stream(self.path(name)) as stream:
            return stream.read()

    def write(self, name: str, data: bytes) -> None:
        target = self.path(name)
        if not self._move:
            with self.filesystem.open_output_stream(target) as stream:
                stream.write(data)
            return
        folder, base = posixpath.split(target)
        if folder:
            self.filesystem.create_dir(folder, recursive=True)
        temporary = posixpath.join(folder, f".{base}.{uuid.uuid4().hex}.tmp")
        try:
            with self.filesystem.open_output_stream(temporary) as stream:
                stream.write(data)
            self.filesystem.move(temporary, target)
        except BaseException:
            try:
                self.filesystem.delete_file(temporary)
            except OSError:
                pass  # the error that got us here is the one to report
            raise

    def names(self, folder: str) -> list[str]:
        """The objects directly in `folder` (relative to the output), sorted; none if it is absent."""
        from pyarrow import fs as pafs

        selector = pafs.FileSelector(self.path(folder), recursive=False, allow_not_found=True)
        found = [
            posixpath.join(folder, posixpath.basename(info.path))
            for info in self.filesystem.get_file_info(selector)
            if info.type == pafs.FileType.File
        ]
        return sorted(found)

    def delete(self, name: str) -> None:
        try:
            self.filesystem.delete_file(self.path(name))
        except FileNotFoundError:
            pass
