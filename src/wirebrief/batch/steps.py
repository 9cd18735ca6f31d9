"""The steps of a batch run, each a function of plain data, so that any driver can call them:
this package's local loop (`run.run_batch`) or one that spreads a run over processes.

    job = make_job(settings, options, out_dir)       # once per run: checked, with its key
    record = prepare(item, job, keys, name)          # read + hash + parse: a Prepared, or a failure
    outcome = decide_skip(record, previous, job)     # the result from before still stands?
    for brief in brief_window(records, job):         # a Brief per record, or its failure
        outcome = write_result(record, brief, job)   # the result file, and its manifest entry

Every input ends as one `Outcome`: its manifest entry, plus what the closing report counts.
A driver records the entries (it alone writes the manifest) and adds them to a `Report`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wirebrief.batch.keys import ResumeKeys, settings_key
from wirebrief.batch.outputs import FORMATS, Names, is_file, json_document, write_output
from wirebrief.batch.sources import Item, collect, in_shard
from wirebrief.config import Settings
from wirebrief.errors import InputError, UsageError, WirebriefError
from wirebrief.options import Options

if TYPE_CHECKING:
    from wirebrief.engines.pool import EnginePool
    from wirebrief.results import Brief

#: The keyword arguments run_batch took before `options`, with their defaults.
_OPTION_ARGUMENTS = {
    "tiers": None, "source_lang": "auto", "target_lang": "en", "output_format": "json", "fail_on": "never",
    "input_format": "auto",
}
#: What a skipped input's entry keeps from the run that made its result (the index shows them).
_CARRIED = ("language", "translated", "findings", "headline")


@dataclass(frozen=True)
class Job:
    """What every step of one run needs: the same in every process that works on the run."""

    settings: Settings
    #: What the reader asked for, its languages checked (pipeline.check_languages).
    options: Options
    #: Where results go; None when they are a stream of JSON lines (--format jsonl).
    out_dir: Path | None
    #: The run's settings key (an article's adds the models its language is routed to).
    key: str
    #: Whether any tier is made.
    summarise: bool


def check_output(output_format: str, out_dir: Path | None) -> None:
    """Refuse a format and --out that do not go together, before anything is read."""
    if output_format not in FORMATS:
        raise UsageError(f"unknown batch format {output_format!r}", hint=f"use one of {', '.join(FORMATS)}")
    if output_format == "jsonl" and out_dir is not None:
        raise UsageError("--format jsonl writes to standard output; leave out --out")
    if output_format != "jsonl" and out_dir is None:
        raise UsageError("--out FOLDER is required", hint="or use --format jsonl to write to standard output")


def make_job(settings: Settings, options: Options, out_dir: Path | None) -> Job:
    """A run's job: its options checked, its tiers' prompts read (a typo costs no model loading)."""
    from wirebrief.pipeline import check_languages
    from wirebrief.prompts import load_prompts, select_tiers

    check_output(options.output_format, out_dir)
    source_lang, target_lang = check_languages(options.source_lang, options.target_lang)
    options = replace(options, source_lang=source_lang, target_lang=target_lang)
    chosen = select_tiers(load_prompts(settings.prompts_dir), options.tiers) if options.summarise else []
    key = settings_key(settings, options, chosen)
    return Job(settings=settings, options=options, out_dir=out_dir, key=key, summarise=bool(chosen))


def resume_keys(job: Job, pool: EnginePool | None = None) -> ResumeKeys:
    """The article keys of a job, with the models' identities from `pool` (or a pool of its
    own, which loads nothing: identities are found without loading a model)."""
    from wirebrief.engines.pool import EnginePool

    pool = EnginePool(job.settings) if pool is None else pool
    return ResumeKeys(job.key, job.settings, job.options.target_lang, job.summarise, pool)


def batch_options(options: Options | None, given: dict[str, Any]) -> Options:
    """The run's options: `options`, or built from the keyword arguments run_batch took before it
    (not both: a keyword argument beside `options` would be ignored in silence)."""
    unknown = sorted(set(given) - set(_OPTION_ARGUMENTS))
    if unknown:
        raise TypeError(f"run_batch() got unexpected keyword arguments: {', '.join(unknown)}")
    if options is None:
        return Options(**{**_OPTION_ARGUMENTS, **given})
    changed = sorted(name for name, value in given.items() if value != _OPTION_ARGUMENTS[name])
    if changed:
        raise TypeError(f"run_batch(): give {', '.join(changed)} in options, not beside them")
    return options


@dataclass
class Prepared:
    """An input read, hashed and parsed, waiting for its window to be briefed."""

    item: Item
    sha256: str
    #: When its reading began (time.perf_counter, in the process that read it).
    started: float
    article: Any  # pipeline.Article
    #: The settings key of this input's result (see keys.article_key).
    key: str
    #: Its result's name under --out (None for --format jsonl).
    name: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How one input ended: its manifest entry, and what the closing report counts of it."""

    entry: dict[str, Any]
    #: Its findings reached the --fail-on severity (only a written result is flagged).
    flagged: bool = False
    #: Sentences translated and target tokens made (counted even when the result could not
    #: be written: the work was done).
    sentences: int = 0
    output_tokens: int = 0

    @property
    def status(self) -> str:
        return self.entry["status"]


def entry(item: Item, sha256: str, status: str, output: str | None, error: str | None, key: str,
          **extra: Any) -> dict[str, Any]:
    """A manifest entry; its fields in the order every manifest line has them."""
    return {
        "id": item.id, "input": item.origin, "sha256": sha256, "status": status, "output": output,
        "error": error, "settings_key": key, **extra,
    }


def failure(item: Item, sha256: str, error: str, job: Job) -> Outcome:
    """An input that failed: it keeps the run's key, so it is tried again by any rerun."""
    return Outcome(entry(item, sha256, "failed", None, error, job.key))


def prepare(item: Item, job: Job, keys: ResumeKeys, name: str | None = None) -> Prepared | Outcome:
    """Read, hash and parse one input: a Prepared record, or the input's failure."""
    from wirebrief.inputs.document import read_source
    from wirebrief.pipeline import read_article

    started = time.perf_counter()
    if item.error is not None:
        return failure(item, "", item.error, job)
    if item.path is not None:
        try:  # at most the input limit is read: a huge file is refused from its size, unread
            data, _ = read_source(item.path)
        except InputError as error:
            return failure(item, "", error.one_line(), job)
    else:
        data = (item.text or "").encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    options = job.options
    try:
        article = read_article(
            item.origin, source_lang=options.source_lang, data=data, input_format=options.input_format,
        )
    except InputError as error:
        return failure(item, digest, error.one_line(), job)
    except UnicodeError as error:  # text that is not Unicode fails alone, whatever reads it
        return failure(item, digest, f"{item.origin}: not Unicode text ({error})", job)
    return Prepared(item, digest, started, article, keys.for_article(article), name)


def decide_skip(record: Prepared, previous: dict[str, Any] | None, job: Job) -> Outcome | None:
    """The input's skip, when its result from before still stands: the same input, the same
    key, and the result still there. `previous` is its latest manifest entry."""
    if (
        job.out_dir is None
        or previous is None
        or previous.get("status") not in ("ok", "skipped")
        or previous.get("sha256") != record.sha256
        or previous.get("settings_key") != record.key
        or record.name is None
        or not is_file(job.out_dir / record.name)
    ):
        return None
    carried = {field_: previous[field_] for field_ in _CARRIED if field_ in previous}
    return Outcome(entry(record.item, record.sha256, "skipped", record.name, None, record.key, **carried))


def prepared_inputs(
    sources: Sequence[str], pattern: str, shard: tuple[int, int], job: Job, keys: ResumeKeys,
    done: dict[str, dict[str, Any]], force: bool,
) -> Iterator[Prepared | Outcome]:
    """This shard's inputs, read, in input order: records to brief, failures and skips."""
    names = Names(job.options.output_format) if job.out_dir is not None else None
    for item in collect(sources, pattern):
        # Every input is named, ours or another shard's, so that names never depend on the shard.
        name = names.name(item.id) if names is not None else None
        if not in_shard(item.id, shard):
            continue
        record = prepare(item, job, keys, name)
        if isinstance(record, Prepared) and not force:
            skip = decide_skip(record, done.get(item.id), job)
            if skip is not None:
                yield skip
                continue
        yield record


def brief_window(
    records: Sequence[Prepared], job: Job, *, pool: EnginePool | None = None, progress: Any = None,
    engines: dict[str, Any] | None = None,
) -> Iterator[Brief | Outcome]:
    """Brief a window of records, pooled (pipeline.iter_briefs), with the engines of `pool`
    (or of a dict of `engines`, the older spelling, which keeps those made; with neither, a
    pool is made and closed for the window); for each record in order, its Brief, or its
    failure. Lazy: each brief comes as soon as it is made."""
    if not records:
        return
    from wirebrief.pipeline import iter_briefs

    results = iter_briefs(
        [record.article for record in records], settings=job.settings, options=job.options, pool=pool,
        engines=engines, summarise=job.summarise, progress=progress,
    )
    for record, result in zip(records, results, strict=True):
        yield failure(record.item, record.sha256, result.one_line(), job) if isinstance(
            result, WirebriefError
        ) else result


def finished(record: Prepared, brief: Brief, job: Job) -> Outcome:
    """The outcome of an input whose brief was delivered (written, or sent down the stream)."""
    from wirebrief.check import fails

    sentences, tokens = _counts(brief)
    findings = {
        severity: sum(1 for finding in brief.findings if finding.severity == severity)
        for severity in ("error", "warning")
    }
    tier = brief.summaries.get("headline") if brief.summaries else None
    done = entry(
        record.item, record.sha256, "ok", record.name, None, record.key, sentences=sentences,
        output_tokens=tokens, findings=findings, seconds=round(time.perf_counter() - record.started, 3),
        language=brief.source_language, translated=brief.translated,
        timings=brief.provenance.get("timings", {}), headline=tier.text if tier is not None else None,
    )
    flagged = fails(brief.findings, job.options.fail_on)  # type: ignore[arg-type]
    return Outcome(done, flagged=flagged, sentences=sentences, output_tokens=tokens)


def write_result(record: Prepared, brief: Brief, job: Job) -> Outcome:
    """Write one result file under --out, atomically; its outcome. A result that cannot be
    written is that input's failure; a full or read-only disk stops the run (OutputError)."""
    assert job.out_dir is not None and record.name is not None
    output_format = job.options.output_format
    why = write_output(job.out_dir, record.name, render(brief, output_format), output_format)
    if why is None:
        return finished(record, brief, job)
    sentences, tokens = _counts(brief)
    return replace(failure(record.item, record.sha256, why, job), sentences=sentences, output_tokens=tokens)


def render(brief: Brief, output_format: str) -> str:
    """A result file's content."""
    if output_format == "json":
        return json_document(brief.to_dict())
    if output_format == "markdown":
        from wirebrief.render import to_markdown

        return to_markdown(brief)
    from wirebrief.render.html import to_html

    return to_html(brief)


def _counts(brief: Brief) -> tuple[int, int]:
    """Sentences translated and target tokens made for one brief."""
    sentences = [sentence for paragraph in brief.paragraphs for sentence in paragraph.sentences]
    return len(sentences), sum(sentence.output_tokens for sentence in sentences)


def windows(records: Iterable[Prepared | Outcome], articles: int, sentences: int) -> Iterator[list]:
    """Records in windows of at most `articles` inputs read (failed ones count, skipped ones
    do not) or about `sentences` sentences, in input order."""
    window: list = []
    read = held = 0
    for record in records:
        window.append(record)
        if isinstance(record, Prepared):
            read += 1
            held += record.article.document.sentence_count
        elif record.status == "failed":
            read += 1
        if read >= articles or held >= sentences:
            yield window
            window, read, held = [], 0, 0
    if window:
        yield window


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

    def add(self, outcome: Outcome) -> None:
        status = outcome.status
        setattr(self, status, getattr(self, status) + 1)
        if status == "failed":
            self.failures.append((outcome.entry["id"], outcome.entry["error"]))
        self.flagged += outcome.flagged
        self.sentences += outcome.sentences
        self.output_tokens += outcome.output_tokens


class Observer(Protocol):
    """Where a batch run reports progress (the CLI draws it on stderr)."""

    def stage(self, description: str) -> None: ...

    def advance(self, count: int) -> None: ...

    def article(self, entry: dict[str, Any], report: Report) -> None: ...


class Quiet:
    """An observer that shows nothing."""

    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def article(self, entry: dict[str, Any], report: Report) -> None:
        pass
