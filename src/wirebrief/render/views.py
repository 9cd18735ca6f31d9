"""Views of what the commands print: a brief as a file, a plan, a detection, a check, the
cache, the prompts, the models, a batch's closing summary.

Each view but the brief's shows one value three ways: `json()` for programs, `lines()` for
plain text (one tab-separated line each) and `rich()` for a terminal. They only draw; the CLI
chooses one and writes it. rich is imported by the methods that draw, not by `--help`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wirebrief.render import (
    ENGINE_NAMES,
    finding_line,
    findings_panel,
    findings_title,
    to_json,
    to_markdown,
    to_text,
)
from wirebrief.words import plural

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from wirebrief.check import TextCheck
    from wirebrief.config import Settings
    from wirebrief.inputs.language import Detection
    from wirebrief.results import Brief

def escape(text: str) -> str:
    """`text` with Rich's markup brackets escaped, to print as it is."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _rows_table(rows: list[tuple[str, str]], title: str):
    from rich.table import Table

    table = Table(show_header=False, title=title)
    for key, value in rows:
        table.add_row(key, escape(value))
    return table


# --------------------------------------------------------------------------------------------
# A brief as a file: JSON, Markdown, HTML or plain text (the Rich view is render.to_rich)


def brief_as(brief: Brief, output_format: str, *, side_by_side: bool = False, translation_only: bool = False) -> str:
    """A brief in `output_format` (json, html, markdown; anything else is plain text)."""
    if output_format == "html":
        from wirebrief.render.html import to_html

        return to_html(brief)
    if output_format == "json":
        return to_json(brief)
    if output_format == "markdown":
        return to_markdown(brief, side_by_side=side_by_side)
    return to_text(brief, translation_only=translation_only)


def findings_note(brief: Brief, output_format: str, *, translation_only: bool = False) -> str | None:
    """The note on stderr that a brief has findings and where to see them; None when it has
    none, or when they are on the terminal already (Rich)."""
    if not brief.findings or output_format == "rich":
        return None
    shown = translation_only and output_format == "text"
    where = ("not shown with --format text: see them with --format json or markdown" if shown
             else "see the checks in the output")
    return f"wirebrief: {findings_title(brief.findings)}; {where}"


# --------------------------------------------------------------------------------------------
# A plan: brief --dry-run, models plan


def _model_words(status: dict[str, Any] | None) -> str:
    if not status:
        return "-"
    where = status.get("location") or status.get("model")
    state = "present" if status.get("present") else "missing"
    if status.get("error"):
        state = status["error"]
    codes = f" [{status['source_code']} → {status['target_code']}]" if status.get("source_code") else ""
    pair = f"{status['source']} → {status['target']}: " if status.get("source") else ""
    return f"{pair}{where}{codes} ({state})"


def route_rows(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """A routing plan (pipeline.describe_plan) as (step, what) rows."""
    rows = [("languages", f"{plan['source_language']} → {plan['target_language']}")]
    rows.append(("translation", _model_words(plan["translation"]) if plan["translation"] else "none: already in the target language"))
    if plan["summary_input"]:
        rows.append(("summary input", {"source": "the article as it is", "translation": "the translation",
                                        "pivot": "an English translation"}[plan["summary_input"]]))
    if plan["pivot"]:
        rows.append(("english for summaries", _model_words(plan["pivot"])))
    if plan["summary_model"]:
        rows.append(("summary model", _model_words(plan["summary_model"])))
    if plan["tiers_translation"]:
        rows.append(("tiers translated", _model_words(plan["tiers_translation"])))
    return rows


def engine_words(engine: str, device: str) -> str:
    """A plan's engine and device in words, `auto` resolved as a run would, loading no model."""
    from wirebrief.engines import choose_engine

    chosen = choose_engine(engine, device)
    if chosen == "ctranslate2" and engine == "auto":
        device = "cpu"  # auto picks CTranslate2 only where there is no GPU to run on
    devices = {"auto": "the best device here (CUDA, then an Apple GPU, then the CPU)", "cpu": "the CPU",
               "cuda": "a CUDA GPU", "mps": "an Apple GPU"}
    precision = (" int8" if device == "cpu" else " float16") if chosen == "ctranslate2" else (" float32" if device == "cpu" else "")
    picked = " (picked by auto)" if engine == "auto" else ""
    return f"{ENGINE_NAMES.get(chosen, chosen)}{precision} on {devices.get(device, device)}{picked}"


def _input_rows(found: dict[str, Any]) -> list[tuple[str, str]]:
    info = found["input"]
    counts = f"{plural(info['paragraphs'], 'paragraph')}, {plural(info['sentences'], 'sentence')}, {plural(info['words'], 'word')}"
    rows = [("input", f"{info.get('source_name')} ({info.get('input_format')}, {counts})")]
    for key in ("title", "author", "date", "site", "url"):
        if info.get(key):
            rows.append((key, str(info[key])))
    language = found["language"]
    detected = language.get("detected")
    how = f"detected, confidence {detected['confidence']:.2f}" if detected else "given"
    rows.append(("language", f"{language['code']} ({how})"))
    for kept in language.get("paragraphs_kept", []):
        rows.append(("kept as is", f"paragraph {kept['paragraph'] + 1} ({kept['language']})"))
    return rows


@dataclass(frozen=True)
class PlanView:
    """A dry run's plan (pipeline.dry_run), or a pair's alone ({"plan": describe_plan(...)})."""

    found: dict[str, Any]

    def json(self) -> str:
        return json.dumps(self.found, ensure_ascii=False, indent=2)

    def rows(self) -> list[tuple[str, str]]:
        found = self.found
        rows = _input_rows(found) if "input" in found else []
        rows += route_rows(found["plan"])
        if "tiers" in found:
            rows.append(("tiers", ", ".join(found["tiers"]) or "none"))
            rows.append(("engine", engine_words(found["engine"], found["device"])))
        return rows

    def lines(self) -> list[str]:
        return [f"{key}\t{value}" for key, value in self.rows()]

    def rich(self) -> list[RenderableType]:
        return [_rows_table(self.rows(), "wirebrief plan (no model loaded)")]


# --------------------------------------------------------------------------------------------
# detect, check


@dataclass(frozen=True)
class DetectionView:
    """`wirebrief detect`: the language of an input and the paragraphs in another one."""

    source: str
    input_format: str
    found: Detection
    #: {"paragraph": index, "language": code} for each paragraph in another language.
    others: list[dict[str, Any]]

    def json(self) -> str:
        result = {"source": self.source, "input_format": self.input_format, **self.found.as_dict(),
                  "other_paragraphs": self.others}
        return json.dumps(result, ensure_ascii=False, indent=2)

    def lines(self) -> list[str]:
        found = self.found
        lines = [f"{found.language}\t{found.confidence:.4f}\t{found.name}\t{'sure' if found.sure else 'unsure'}"]
        return lines + [f"paragraph {other['paragraph'] + 1}\t{other['language']}" for other in self.others]

    def rich(self) -> list[RenderableType]:
        found = self.found
        style = "green" if found.sure else "yellow"
        alternatives = ", ".join(f"{code} {p:.2f}" for code, p in found.candidates[1:])
        first = (
            f"[{style}]{escape(found.name)}[/{style}] ({found.language}), confidence {found.confidence:.2f}"
            + ("" if found.sure else " [yellow](unsure)[/yellow]")
            + (f" [dim]- also: {escape(alternatives)}[/dim]" if alternatives else "")
        )
        return [first] + [f"  paragraph {other['paragraph'] + 1} is in {other['language']}" for other in self.others]


@dataclass(frozen=True)
class CheckView:
    """`wirebrief check`: the findings on a translation and the sentences they were found in."""

    result: TextCheck

    def summary(self) -> str:
        findings = self.result.findings
        errors = sum(1 for finding in findings if finding.severity == "error")
        return (f"{plural(len(findings), 'finding')} ({plural(errors, 'error')}) in "
                f"{plural(len(self.result.pairs), 'aligned sentence')}")

    def json(self) -> str:
        return json.dumps(self.result.as_dict(), ensure_ascii=False, indent=2)

    def lines(self) -> list[str]:
        return [finding_line(finding) for finding in self.result.findings]

    def rich(self) -> list[RenderableType]:
        return [findings_panel(self.result.findings, title=f"Checks: {self.summary()}")]


def unread_checks(source_lang: str, target_lang: str) -> str | None:
    """The note for a language pair some checks cannot read, or None when all of them can."""
    from wirebrief.check import reads_numbers_and_names
    from wirebrief.check.meaning import reads_meaning

    unread = [what for what, read in (("numbers and names", reads_numbers_and_names(source_lang, target_lang)),
                                      ("meaning (negation, dates, units, direction)", reads_meaning(source_lang, target_lang)))
              if not read]
    if not unread:
        return None
    return f"{' and '.join(unread)} are checked for nl and en only, not {source_lang} → {target_lang}"


# --------------------------------------------------------------------------------------------
# cache stats, prompts list, models list


@dataclass(frozen=True)
class CacheView:
    """`wirebrief cache stats`: GenerationCache.stats(), with a count per model."""

    stats: dict[str, Any]

    def _split(self) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        # A value the cache cannot give (no entries to date, or an unusable file's count) is
        # "-", as elsewhere in the views, never Python's None; JSON keeps its null.
        lines = [(key, "-" if value is None else str(value))
                 for key, value in self.stats.items() if not isinstance(value, dict)]
        per_engine = next((value for value in self.stats.values() if isinstance(value, dict)), {})
        return lines, per_engine

    def json(self) -> str:
        return json.dumps(self.stats, indent=2, default=str)

    def lines(self) -> list[str]:
        rows, per_engine = self._split()
        return [f"{key}\t{value}" for key, value in rows] + [f"entries\t{engine}\t{count}" for engine, count in per_engine.items()]

    def rich(self) -> list[RenderableType]:
        from rich.table import Table

        rows, per_engine = self._split()
        table = Table("", "", title="wirebrief cache", show_header=False)
        for key, value in rows:
            table.add_row(key, escape(value))
        for engine, count in per_engine.items():
            table.add_row(f"  {escape(engine)}", str(count))
        return [table]


def _budget(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in row["budget"].items()) or "-"


@dataclass(frozen=True)
class PromptsView:
    """`wirebrief prompts list`: the tiers, shortest first, then the chunk prompt."""

    rows: list[dict[str, Any]]

    @classmethod
    def of(cls, loaded: dict[str, Any]) -> PromptsView:
        from wirebrief.prompts import CHUNK_PROMPT, tier_names

        return cls([
            {
                "name": name,
                "tier": name != CHUNK_PROMPT,
                "mode": loaded[name].mode,
                "budget": loaded[name].budget.as_dict(),
                "description": loaded[name].description,
                "path": str(loaded[name].path),
            }
            for name in tier_names(loaded) + [CHUNK_PROMPT]
        ])

    def json(self) -> str:
        return json.dumps(self.rows, ensure_ascii=False, indent=2)

    def lines(self) -> list[str]:
        return [f"{row['name']}\t{_budget(row)}\t{row['description']}\t{row['path']}" for row in self.rows]

    def rich(self) -> list[RenderableType]:
        from rich.table import Table
        from rich.text import Text

        table = Table("Tier", "Budget", "Description", "File")
        for row in self.rows:
            name = Text(row["name"]) if row["tier"] else Text(f"{row['name']} (chunks)", style="dim")
            table.add_row(name, _budget(row), Text(row["description"]), Text(row["path"]))
        return [table]


@dataclass(frozen=True)
class ModelsView:
    """`wirebrief models list`: each configured model, where it is, and what set it."""

    cache: str
    rows: list[dict[str, Any]]

    @classmethod
    def of(cls, settings: Settings) -> ModelsView:
        from wirebrief.models import hub_cache_dir, model_status

        rows = []
        for role, name in (("translation", settings.translation_model), ("summary", settings.summary_model)):
            status = model_status(name)
            location = status["location"] or f"({status['error']})"
            rows.append({"role": role, "name": name, "location": location, "present": status["present"],
                         "from": settings.origins.get(f"{role}_model", "default")})
        return cls(hub_cache_dir(), rows)

    def json(self) -> str:
        return json.dumps({"cache": self.cache, "models": self.rows}, indent=2)

    def lines(self) -> list[str]:
        return [f"{row['role']}\t{row['location']}\t{'present' if row['present'] else 'missing'}\t{row['from']}"
                for row in self.rows]

    def rich(self) -> list[RenderableType]:
        from rich.table import Table

        table = Table("Role", "Model", "Present", "Set by", caption=f"Hugging Face cache: {self.cache}")
        for row in self.rows:
            present = "[green]yes[/green]" if row["present"] else "[red]no[/red]"
            table.add_row(row["role"], row["location"], present, row["from"])
        return [table]


# --------------------------------------------------------------------------------------------
# A batch's closing summary


def report_rates(report) -> str:  # report: batch.Report
    """A finished run's throughput, the one definition the bar and the closing table share."""
    seconds = report.seconds or 1e-9
    return f"{report.sentences / seconds:,.1f} sentences/s · {report.output_tokens / seconds:,.0f} target tokens/s"


def batch_line(report) -> str:
    """The closing summary in one line, for stderr without a terminal."""
    rate = f" ({report_rates(report)})" if report.seconds and report.sentences else ""
    line = (
        f"wirebrief: batch: {report.ok} ok, {report.failed} failed, {report.skipped} skipped "
        f"of {plural(report.total, 'input')} in {report.seconds:.1f} s{rate}"
    )
    if report.flagged:
        line += f"; {report.flagged} with findings at the --fail-on severity"
    return line


#: Failures the closing table lists by name; the manifest has every one.
SHOWN_FAILURES = 20


def print_batch_table(report, console: Console) -> None:
    """The closing summary on a terminal: the counts and throughput, then the first failures."""
    from rich.table import Table

    table = Table("ok", "failed", "skipped", "total", "seconds", "throughput", title="wirebrief batch")
    table.add_row(
        str(report.ok), f"[red]{report.failed}[/red]" if report.failed else "0", str(report.skipped), str(report.total),
        f"{report.seconds:.1f}", report_rates(report),
    )
    console.print(table)
    for identifier, error in report.failures[:SHOWN_FAILURES]:
        console.print(f"[red]failed[/red] {escape(identifier)}: {escape(error)}", highlight=False)
    if len(report.failures) > SHOWN_FAILURES:
        console.print(f"... and {len(report.failures) - SHOWN_FAILURES} more failures: see the manifest")
