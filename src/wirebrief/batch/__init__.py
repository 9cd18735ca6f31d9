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

The package, in the order a run goes through it: `sources` (listing the inputs, shards),
`keys` (the resume key), `steps` (prepare an input, decide skip, brief a window, write a
result: plain functions any driver can call), `outputs` (safe names, atomic files), `manifest`,
and `run` (the local driver, `run_batch`).
"""

from __future__ import annotations

from wirebrief.batch.keys import ResumeKeys, article_key, settings_key
from wirebrief.batch.manifest import Manifest
from wirebrief.batch.outputs import (
    FORMATS,
    INDEX,
    MANIFEST,
    Names,
    json_line,
    output_name,
    remove_stale_temporaries,
    write_atomic,
)
from wirebrief.batch.run import WINDOW_ARTICLES, WINDOW_SENTENCES, run_batch, write_index
from wirebrief.batch.sources import Item, check_sources, collect, count_inputs, in_shard, parse_shard
from wirebrief.batch.steps import (
    Job,
    Observer,
    Outcome,
    Prepared,
    Report,
    brief_window,
    decide_skip,
    make_job,
    prepare,
    resume_keys,
    windows,
    write_result,
)

__all__ = [
    "FORMATS", "INDEX", "MANIFEST", "WINDOW_ARTICLES", "WINDOW_SENTENCES", "Item", "Job", "Manifest", "Names",
    "Observer", "Outcome", "Prepared", "Report", "ResumeKeys", "article_key", "brief_window", "check_sources",
    "collect", "count_inputs", "decide_skip", "in_shard", "json_line", "make_job", "output_name", "parse_shard",
    "prepare", "remove_stale_temporaries", "resume_keys", "run_batch", "settings_key", "windows", "write_atomic",
    "write_index", "write_result",
]
