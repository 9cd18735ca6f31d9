"""Renderers: pure functions from a `Brief` to text. Rich for a terminal; JSON, Markdown and
plain text for files and pipes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported by the functions that draw, not by `--help`
    from rich.console import RenderableType

    from .pipeline import Brief
    from .summaries import Tier

FORMATS = ("rich", "json", "markdown", "text")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


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


def _models(brief: Brief) -> list[tuple[str, str]]:
    rows = []
    for role, info in brief.provenance.get("models", {}).items():
        rows.append((role, f"{info.get('model')} ({info.get('device')}, {info.get('dtype')})"))
    return rows


def _header_rows(brief: Brief) -> list[tuple[str, str]]:
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
    seconds = brief.provenance.get("timings", {}).get("total_seconds")
    if seconds is not None:
        rows.append(("Time", f"{seconds:.1f} s"))
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
        where = finding.tier or (
            f"¶{finding.paragraph + 1}" + (f" s{finding.sentence + 1}" if finding.sentence is not None else "")
            if finding.paragraph is not None else "-"
        )
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
    lines += [f"- **{label}:** {value}" for label, value in _header_rows(brief)]
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


def to_rich(brief: Brief, *, side_by_side: bool = False) -> list[RenderableType]:
    """The terminal view: header, tiers shortest first, checks, then the translation."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold cyan", no_wrap=True)
    header.add_column()
    for label, value in _header_rows(brief):
        header.add_row(label, value)
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
        parts.append(findings_panel(brief.findings, title=f"Checks: {plural(len(brief.findings), 'finding')}"))
    elif brief.translated:
        parts.append(Panel(Text("no findings", style="green"), title="Checks", title_align="left", border_style="green"))

    if brief.translated:
        if side_by_side:
            table = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
            table.add_column(f"Source ({brief.source_language})", ratio=1)
            table.add_column(f"Translation ({brief.target_language})", ratio=1)
            for paragraph in brief.paragraphs:
                style = "bold" if paragraph.kind == "heading" else ""
                table.add_row(Text(paragraph.source, style=style), Text(paragraph.translation, style=style))
            parts.append(table)
        else:
            body = Text()
            for number, paragraph in enumerate(brief.paragraphs):
                if number:
                    body.append("\n\n")
                body.append(paragraph.translation, style="bold" if paragraph.kind == "heading" else "")
            parts.append(Panel(body, title="Translation", title_align="left"))
    return parts
