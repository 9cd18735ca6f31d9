"""Where a Ray run's results go: a folder (as the local batch writes it) or a URI.

The driver alone writes results and the manifest; actors only brief. So --out only has to be
reachable from the driver, the cluster's credentials for an object store are needed in one
process, and a full disk or a refused write stops the run in one place, as it does locally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wirebrief.batch import INDEX
from wirebrief.batch.manifest import Manifest
from wirebrief.batch.outputs import remove_stale_temporaries, run_file
from wirebrief.batch.ray_manifest import PartsManifest, object_errors
from wirebrief.batch.run import write_index
from wirebrief.batch.steps import Job, Outcome, Prepared, finished, render, write_result
from wirebrief.fs import ObjectOutput, is_uri


class FolderOutput:
    """--out as a folder: the local batch's own writer and manifest."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = Path(out_dir)
        self.shown = str(out_dir)

    def open(self) -> Manifest:
        with run_file(self.folder, "created"):
            self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.folder)
        return Manifest(self.folder)

    def write(self, record: Prepared, brief: Any, job: Job) -> Outcome:
        return write_result(record, brief, job)

    def write_index(self, manifest: Manifest) -> None:
        write_index(manifest)


class _ObjectPath:
    """A result's place in an object store, as much of a Path as `steps.decide_skip` asks."""

    def __init__(self, output: ObjectOutput, name: str) -> None:
        self._output, self._name = output, name

    def is_file(self) -> bool:
        return self._output.is_file(self._name)


class _ObjectFolder:
    """--out as a URI, standing where the job keeps its output folder (only ``/`` is used)."""

    def __init__(self, output: ObjectOutput) -> None:
        self.output = output

    def __truediv__(self, name: str) -> _ObjectPath:
        return _ObjectPath(self.output, name)

    def __str__(self) -> str:
        return self.output.uri


class UriOutput:
    """--out as a URI (``s3://bucket/briefs``): results put whole, the manifest as parts."""

    def __init__(self, uri: str) -> None:
        self.output = ObjectOutput(uri)
        self.folder = _ObjectFolder(self.output)
        self.shown = uri

    def open(self) -> PartsManifest:
        with object_errors(self.output, "", "created"):
            self.output.make_root()
        return PartsManifest(self.output)

    def write(self, record: Prepared, brief: Any, job: Job) -> Outcome:
        assert record.name is not None
        output_format = job.options.output_format
        # A name's undecodable bytes (a surrogate-escaped file name) show as \udcXX in text.
        content = render(brief, output_format).encode("utf-8", "strict" if output_format == "json" else "backslashreplace")
        # An object store refusing one object is refusing the run (credentials, a bucket
        # policy, the network): it stops here, naming the object.
        with object_errors(self.output, record.name):
            self.output.write(record.name, content)
        return finished(record, brief, job)

    def write_index(self, manifest: PartsManifest) -> None:
        from wirebrief.render.html import batch_index

        title = f"wirebrief batch: {self.shown.rstrip('/').rsplit('/', 1)[-1]}"
        manifest.write_beside(INDEX, lambda entries: batch_index(entries, title=title), errors="backslashreplace")


def destination(out_dir: Path | str) -> FolderOutput | UriOutput:
    """The output for --out: a URI when it has a scheme, else a folder."""
    return UriOutput(str(out_dir)) if is_uri(str(out_dir)) else FolderOutput(Path(out_dir))
