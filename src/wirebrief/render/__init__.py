"""Renderers: pure functions from a `Brief` to text. Rich for a terminal; JSON, Markdown and
plain text for files and pipes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# plural lived here before words.py; renderers and older callers still import it from here.
from wirebrief.words import plural as plural

if TYPE_CHECKING:  # rich is imported by the functions that draw, not by `--help`
    from rich.console import RenderableType
    from rich.text import Text

    from wirebrief.pipeline import Brief
    from wirebrief.summaries import Tier

# The format lists live in options.py, so the CLI can name them without importing the views.
from wirebrief.options import FINDINGS_VIEWS as FINDINGS_VIEWS  # noqa: E402
from wirebrief.options import FORMATS as FORMATS  # noqa: E402
from wirebrief.options import VIEW_FORMATS as VIEW_FORMATS  # noqa: E402

#: Distinct findings the overview shows before pointing at the full list.
TOP_FINDINGS = 5
SEVERITY_RANK = {"error": 0, "warning": 1}
#: Within a severity, the kinds a reader should see first: a translation that says the opposite
#: or another number, then text lost or garbled, then what went missing. Unlisted kinds follow.
KIND_RANK = {kind: rank for rank, kind in enumerate((
    "negation", "direction_mismatch", "date_mismatch", "unit_mismatch", "number_mismatch", "role_swap",
    "omission", "untranslated", "loop", "length_cap", "number_missing", "name_missing", "glossary",
    "quote_missing", "back_negation", "back_direction", "back_date", "back_unit", "back_number", "back_name",
    "low_confidence",
))}


def tier_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def to_json(brief: Brief) -> str:
    import json

    return json.dumps(brief.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _languages(brief: Brief) -> str:
    if not brief.translated:
        return f"{brief.target_language} (already in the target language: not translated)"
    return f"{brief.source_language} → {brief.target_language}"


def _route_note(brief: Brief) -> str | None:
    """How the tiers were made, when it is not simply from the translation."""
    route = brief.route or {}
    if route.get("tiers_translation"):
        pivot = "the article" if route.get("summary_input") == "source" else "an English translation"
        return f"made in English from {pivot}, then translated into {brief.target_language}"
    return None


#: Engines in a reader's words, by the name an engine gives in its provenance.
ENGINE_NAMES = {"ctranslate2": "CTranslate2", "torch": "transformers (torch)", "transformers": "transformers (torch)"}


def precision(info: dict) -> str:
    """The numbers a model ran in: torch reports a dtype, CTranslate2 a compute type."""
    return str(info.get("dtype") or info.get("compute_type") or "unknown precision")


def _models(brief: Brief) -> list[tuple[str, str]]:
    rows = []
    for role, info in brief.provenance.get("models", {}).items():
        engine = ENGINE_NAMES.get(str(info.get("engine")), info.get("engine"))
        via = f" via {engine}" if engine else ""
        rows.append((role, f"{info.get('model')}{via} ({info.get('device')}, {precision(info)})"))
    return rows


#: The parts of a brief's time in the order they run: (label, key in its timings, shown at
#: 0 s). Every translation is timed for scoring too, which takes no time where the scores came
#: from the cache or the engine cannot score: "score 0.0 s" would only be noise.
TIME_PARTS = (
    ("load", "load_seconds", True), ("translate", "translate_seconds", True),
    ("score", "score_seconds", False), ("back-translate", "back_translate_seconds", True),
    ("summarise", "summarise_seconds", True), ("translate tiers", "tiers_translate_seconds", True),
)


def time_split(timings: dict) -> str | None:
    """'36.1 s (load 25.7 s, translate 6.3 s, score 1.0 s, summarise 3.1 s)', from a brief's
    timings; every view's header shows this one."""
    total = timings.get("total_seconds")
    if total is None:
        return None
    parts = [
        f"{label} {timings[key]:.1f} s"
        for label, key, at_zero in TIME_PARTS
        if timings.get(key) is not None and (at_zero or timings[key] > 0)
    ]
    return f"{total:.1f} s" + (f" ({', '.join(parts)})" if parts else "")


def header_rows(brief: Brief) -> list[tuple[str, str]]:
    meta = brief.metadata
    rows = [("Source", meta.source_name or "-")]
    if meta.input_format != "text":
        rows.append(("Input", meta.input_format))
    rows += [(label, value) for label, value in (("Title", meta.title), ("Author", meta.author), ("Site", meta.site)) if value]
    if meta.url and meta.url != meta.source_name:
        rows.append(("URL", meta.url))
    rows.append(("Languages", _languages(brief)))
    if brief.detected:
        rows.append(("Detected", f"{brief.detected['language']} ({brief.detected['confidence']:.2f})"))
    note = _route_note(brief)
    if note:
        rows.append(("Tiers", note))
    if meta.date:
        rows.append(("Date", meta.date))
    if meta.dateline:
        rows.append(("Dateline", meta.dateline))
    rows += [(f"{role.capitalize()} model", text) for role, text in _models(brief)]
    seconds = time_split(brief.provenance.get("timings", {}))
    if seconds is not None:
        rows.append(("Time", seconds))
    return rows


def finding_line(finding) -> str:
    where = []
    if finding.tier:
        where.append(finding.tier)
    if finding.paragraph is not None:
        where.append(f"paragraph {finding.paragraph + 1}")
    if finding.sentence is not None:
        where.append(f"sentence {finding.sentence + 1}")
    place = f" [{', '.join(where)}]" if where else ""
    return f"{finding.severity}: {finding.kind}{place}: {finding.detail}"


def place(finding) -> str:
    """Where a finding is, shortly: a tier's name, or ¶paragraph and sentence, 1-based."""
    if finding.tier:
        return finding.tier
    if finding.paragraph is None:
        return "-"
    return f"¶{finding.paragraph + 1}" + (f" s{finding.sentence + 1}" if finding.sentence is not None else "")


@dataclass(frozen=True)
class FindingGroup:
    """Findings that say the same thing (severity, kind, detail) in one or more places."""

    severity: str
    kind: str
    detail: str
    places: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.places)


def group_findings(findings) -> list[FindingGroup]:
    """Repeats collapsed, most serious first: errors before warnings, then by kind (`KIND_RANK`),
    then the most repeated, then in the order of the article."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for finding in findings:
        groups.setdefault((finding.severity, finding.kind, finding.detail), []).append(place(finding))
    ordered = sorted(groups.items(), key=lambda item: (
        SEVERITY_RANK.get(item[0][0], 2), KIND_RANK.get(item[0][1], len(KIND_RANK)), -len(item[1])))
    return [FindingGroup(severity, kind, detail, tuple(places)) for (severity, kind, detail), places in ordered]


def severity_counts(findings) -> dict[str, dict[str, int]]:
    """{kind: {"error": n, "warning": n}}, kinds with the most errors first."""
    counts: dict[str, dict[str, int]] = {}
    for finding in findings:
        row = counts.setdefault(finding.kind, {"error": 0, "warning": 0})
        row[finding.severity] = row.get(finding.severity, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1]["error"], -item[1]["warning"], item[0])))


def findings_title(findings) -> str:
    errors = sum(1 for finding in findings if finding.severity == "error")
    return f"{plural(len(findings), 'finding')} ({plural(errors, 'error')}, {plural(len(findings) - errors, 'warning')})"


def _places(places: tuple[str, ...], shown: int = 4) -> str:
    text = ", ".join(places[:shown])
    return text + (f" +{len(places) - shown}" if len(places) > shown else "")


def checks_overview(findings, *, title: str, most: int = TOP_FINDINGS) -> RenderableType:
    """The compact Checks panel: counts by kind and severity, then the few most serious
    findings with repeats collapsed, and how to see them all."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    if not findings:
        return Panel(Text("no findings", style="green"), title=title, title_align="left", border_style="green")
    counts = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    counts.add_column("Kind")
    counts.add_column("Errors", justify="right")
    counts.add_column("Warnings", justify="right")
    for kind, row in severity_counts(findings).items():
        counts.add_row(Text(kind), Text(str(row["error"]), style="red" if row["error"] else "dim"),
                       Text(str(row["warning"]), style="yellow" if row["warning"] else "dim"))
    groups = group_findings(findings)
    top = Table(show_header=False, box=None, padding=(0, 1), expand=True)
    top.add_column(no_wrap=True)
    top.add_column(no_wrap=True, justify="right")
    top.add_column(ratio=1)
    for group in groups[:most]:
        style = "red" if group.severity == "error" else "yellow"
        detail = Text(f"{group.kind}: ", style="bold").append(group.detail, style="")
        detail.append(f"  {_places(group.places)}", style="dim")
        top.add_row(Text(group.severity, style=style), Text(f"×{group.count}" if group.count > 1 else ""), detail)
    parts: list[RenderableType] = [counts, Text(""), Text(f"Most serious ({min(most, len(groups))} of "
                                                        f"{plural(len(groups), 'distinct finding')}):", style="bold"), top]
    if len(groups) > most:
        parts.append(Text(f"All {len(findings)}: --findings all, or --format json / markdown. "
                          "Flagged sentences are marked in the translation below.", style="dim"))
    style = "red" if any(group.severity == "error" for group in groups) else "yellow"
    return Panel(Group(*parts), title=title, title_align="left", border_style=style)


def findings_panel(findings, *, title: str) -> RenderableType:
    """The Checks panel: each finding, where it is, and its sentence with its translation."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    if not findings:
        return Panel(Text("no findings", style="green"), title=title, title_align="left", border_style="green")
    checks = Table(show_header=True, header_style="bold", expand=True)
    checks.add_column("Severity", no_wrap=True)
    checks.add_column("Where", no_wrap=True)
    checks.add_column("Finding")
    for finding in findings:
        where = place(finding)
        # Text, not markup: an article's own square brackets must print as they are.
        detail = Text(finding.detail)
        if finding.source:
            detail.append("\n" + finding.source, style="dim")
        if finding.target:
            detail.append("\n→ " + finding.target, style="italic")
        style = "red" if finding.severity == "error" else "yellow"
        checks.add_row(Text(finding.severity, style=style), Text(where), detail)
    return Panel(checks, title=title, title_align="left", border_style="yellow")


# --------------------------------------------------------------------------------------------
# Plain text and Markdown


def to_text(brief: Brief, *, translation_only: bool = False) -> str:
    """Plain text; `translation_only` gives just the translation, paragraphs blank-line apart."""
    if translation_only:
        return brief.translation + "\n"
    sections: list[str] = []
    for tier in brief.summaries.tiers if brief.summaries else ():
        sections.append(f"{tier_title(tier.name).upper()}\n{_tier_text(tier, bullet='- ')}")
    if brief.translated:
        sections.append("TRANSLATION\n" + brief.translation)
    elif not sections:
        # Nothing was translated and no tier asked for: the article itself is the result.
        sections.append(f"TEXT (already in {brief.target_language}: not translated)\n" + brief.translation)
    if brief.findings:
        sections.append("CHECKS\n" + "\n".join(finding_line(f) for f in brief.findings))
    return "\n\n".join(sections) + "\n"


def _tier_text(tier: Tier, *, bullet: str) -> str:
    if tier.items is not None:
        return "\n".join(f"{bullet}{item}" for item in tier.items)
    return tier.text


def to_markdown(brief: Brief, *, side_by_side: bool = False) -> str:
    headline = brief.summaries.get("headline") if brief.summaries else None
    title = headline.text if headline and headline.text else (brief.metadata.source_name or "Brief")
    lines = [f"# {title}", ""]
    lines += [f"- **{label}:** {value}" for label, value in header_rows(brief)]
    for tier in brief.summaries.tiers if brief.summaries else ():
        if tier.name == "headline":
            continue
        lines += ["", f"## {tier_title(tier.name)}", "", _tier_text(tier, bullet="- ")]
    if brief.findings:
        lines += ["", "## Checks", ""] + [f"- {finding_line(f)}" for f in brief.findings]
    if brief.translated:
        lines += ["", "## Translation", ""]
        for paragraph in brief.paragraphs:
            if side_by_side:
                lines += [f"> {paragraph.source}", ""]
            text = paragraph.translation
            lines += [f"### {text}" if paragraph.kind == "heading" else text, ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------------------------
# Rich


def flagged_sentences(findings) -> dict[tuple[int, int], str]:
    """{(paragraph, sentence): the worst severity of its findings}, for marking them in place."""
    flagged: dict[tuple[int, int], str] = {}
    for finding in findings:
        if finding.paragraph is None or finding.sentence is None or finding.tier:
            continue
        where = (finding.paragraph, finding.sentence)
        if SEVERITY_RANK.get(finding.severity, 2) < SEVERITY_RANK.get(flagged.get(where, ""), 2):
            flagged[where] = finding.severity
    return flagged


#: How a flagged sentence is marked in the Rich translation: its style and the mark after it.
MARKS = {"error": ("underline red", " ◆"), "warning": ("underline yellow", " ◇")}


def _marked_translation(paragraph, flagged: dict[tuple[int, int], str], base_style: str) -> Text:
    """A paragraph's translation, exactly as `paragraph.translation` reads, with each flagged
    sentence underlined and marked."""
    from rich.text import Text

    text = Text(style=base_style)
    first = True
    for number, sentence in enumerate(paragraph.sentences):
        if not sentence.translation:
            continue
        if not first:
            text.append(" ")
        first = False
        severity = flagged.get((paragraph.index, number))
        if severity is None:
            text.append(sentence.translation)
            continue
        style, mark = MARKS[severity]
        text.append(sentence.translation, style=style)
        text.append(mark, style=style.split()[-1])
    return text


def to_rich(brief: Brief, *, side_by_side: bool = False, findings: str = "summary") -> list[RenderableType]:
    """The terminal view: header, tiers shortest first, a compact checks overview (every
    finding with ``findings="all"``), then the translation with flagged sentences marked."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold cyan", no_wrap=True)
    header.add_column()
    for label, value in header_rows(brief):
        header.add_row(label, Text(value))
    parts: list[RenderableType] = [Panel(header, title="wirebrief", title_align="left", border_style="cyan")]

    for tier in brief.summaries.tiers if brief.summaries else ():
        if tier.name == "headline":
            body: RenderableType = Text(tier.text, style="bold")
        elif tier.items is not None:
            body = Text("\n".join(f"• {item}" for item in tier.items))
        else:
            body = Text(tier.text)
        parts.append(Panel(body, title=tier_title(tier.name), title_align="left", border_style="green"))

    if brief.findings:
        title = f"Checks: {findings_title(brief.findings)}"
        parts.append(findings_panel(brief.findings, title=title) if findings == "all"
                     else checks_overview(brief.findings, title=title))
    elif brief.translated:
        parts.append(Panel(Text("no findings", style="green"), title="Checks", title_align="left", border_style="green"))

    if brief.translated:
        flagged = flagged_sentences(brief.findings)
        legend = " (◆ error, ◇ warning: flagged by the checks)" if flagged else ""
        if side_by_side:
            table = Table(show_header=True, header_style="bold", expand=True, show_lines=True, title=legend.strip(" ()") or None)
            table.add_column(f"Source ({brief.source_language})", ratio=1)
            table.add_column(f"Translation ({brief.target_language})", ratio=1)
            for paragraph in brief.paragraphs:
                style = "bold" if paragraph.kind == "heading" else ""
                table.add_row(Text(paragraph.source, style=style), _marked_translation(paragraph, flagged, style))
            parts.append(table)
        else:
            body = Text()
            for number, paragraph in enumerate(brief.paragraphs):
                if number:
                    body.append("\n\n")
                body.append(_marked_translation(paragraph, flagged, "bold" if paragraph.kind == "heading" else ""))
            parts.append(Panel(body, title=f"Translation{legend}", title_align="left"))
    return parts
