"""Which filesystem holds a path (from mountinfo), and outputs named by a pyarrow URI."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirebrief.errors import UsageError
from wirebrief.fs import ObjectOutput, is_uri, mount_of, read_mounts, shared_filesystem

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 27 0:45 / /home rw,relatime shared:20 - nfs4 server:/home rw,vers=4.2
41 40 8:2 / /home/alice/scratch rw,relatime - xfs /dev/sdb1 rw
42 27 0:46 / /lustre rw - lustre 10.0.0.1@tcp:/fs rw
43 27 0:47 / /mnt/my\\040bucket rw,nosuid master:3 - fuse.s3fs s3fs rw
44 27 0:48 / /gpfs rw - gpfs gpfs0 rw
45 27 0:49 / /srv/share rw - cifs //nas/share rw
46 27 0:50 / /data rw - ext4 /dev/sdc1 rw
47 27 0:51 / /data rw - nfs nas:/data rw
"""


@pytest.fixture
def mountinfo(tmp_path: Path) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO)
    return path


@pytest.mark.parametrize(("path", "kind"), [
    ("/home/alice/.cache/wirebrief/generations.sqlite3", "nfs4"),
    ("/home", "nfs4"),
    ("/lustre/project/cache.sqlite3", "lustre"),
    ("/mnt/my bucket/cache.sqlite3", "fuse.s3fs"),
    ("/gpfs/x", "gpfs"),
    ("/srv/share/cache", "cifs"),
    # The later of two mounts on one point hides the first.
    ("/data/cache.sqlite3", "nfs"),
])
def test_a_cache_on_a_shared_filesystem_is_named_by_its_type(mountinfo, path, kind):
    assert shared_filesystem(Path(path), mountinfo) == kind


@pytest.mark.parametrize("path", ["/home/alice/scratch/cache.sqlite3", "/var/tmp/cache.sqlite3", "/homework/x"])
def test_a_cache_on_a_local_disk_is_not(mountinfo, path):
    assert shared_filesystem(Path(path), mountinfo) is None
    assert mount_of(Path(path), mountinfo).kind in ("ext4", "xfs")


def test_without_mountinfo_nothing_is_known(tmp_path):
    assert read_mounts(tmp_path / "absent") == []
    assert shared_filesystem(tmp_path, tmp_path / "absent") is None


def test_this_machine_s_mounts_are_read():
    if not Path("/proc/self/mountinfo").exists():
        pytest.skip("no /proc/self/mountinfo here")
    assert mount_of(Path("/")) is not None


def test_uris_and_paths_are_told_apart():
    assert is_uri("s3://bucket/briefs") and is_uri("file:///tmp/out") and is_uri("gs://b")
    assert not is_uri("briefs/") and not is_uri("/shared/briefs") and not is_uri("C:\\briefs")


# -- outputs named by URI -------------------------------------------------------------------


@pytest.fixture
def output(tmp_path: Path) -> ObjectOutput:
    pytest.importorskip("pyarrow")
    out = ObjectOutput((tmp_path / "out").as_uri())
    out.make_root()
    return out


def test_an_object_is_written_whole_and_read_back(output, tmp_path):
    output.write("nested/a.json", b'{"ok": true}\n')
    assert (tmp_path / "out" / "nested" / "a.json").read_bytes() == b'{"ok": true}\n'
    assert output.is_file("nested/a.json") and not output.is_file("nested") and not output.is_file("b.json")
    assert output.read("nested/a.json") == b'{"ok": true}\n' and output.read("b.json") is None
    # No temporary file is left beside it.
    assert sorted(path.name for path in (tmp_path / "out" / "nested").iterdir()) == ["a.json"]
    assert output.describe("nested/a.json") == f"{(tmp_path / 'out').as_uri()}/nested/a.json"


def test_rewriting_replaces_and_listing_is_sorted(output):
    output.write("parts/2.jsonl", b"two")
    output.write("parts/1.jsonl", b"one")
    output.write("parts/1.jsonl", b"uno")
    assert output.names("parts") == ["parts/1.jsonl", "parts/2.jsonl"]
    assert output.read("parts/1.jsonl") == b"uno"
    output.delete("parts/1.jsonl")
    output.delete("parts/1.jsonl")  # already gone: nothing to do
    assert output.names("parts") == ["parts/2.jsonl"] and output.names("absent") == []


def test_a_failed_write_leaves_no_object(output, tmp_path):
    (tmp_path / "out" / "taken").mkdir()
    with pytest.raises(OSError):
        output.write("taken", b"a folder is in the way")
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["taken"]


def test_a_uri_pyarrow_does_not_know_is_a_usage_error():
    pytest.importorskip("pyarrow")
    with pytest.raises(UsageError, match="--out"):
        ObjectOutput("nosuchscheme://bucket/out")
