"""The HTML view: one self-contained page per brief, and an index page for a batch run.

Pure functions from a `Brief` (or a batch manifest) to a string. A page carries its own CSS,
needs no script, and its Content-Security-Policy forbids every network load, so it can be
mailed, archived or opened offline and shows the same thing everywhere. Everything taken from
the brief is escaped: an article is untrusted input, and its text must show as text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from wirebrief.render import header_rows, tier_title
from wirebrief.render.html_style import CSS
from wirebrief.words import plural

if TYPE_CHECKING:
    from wirebrief.check import Finding
    from wirebrief.pipeline import Brief
    from wirebrief.summaries import Tier
    from wirebrief.translation import TranslatedParagraph

#: No fetches of any kind: styles inline, images only as data: URLs, no scripts, no forms.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_SEVERITIES = ("error", "warning")


def _e(value: Any) -> str:
    """Text from the brief, made safe for element content and quoted attributes alike."""
    return escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str, *, lang: str = "en") -> str:
    # The CSP comes first in <head>, so nothing parsed after it can fetch anything.
    return (
        f'<!doctype html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body>\n<div class="page">\n{body}\n</div>\n</body>\n</html>\n'
    )


def _link(url: str | None) -> str:
    """The URL as a link when it is a web address, as plain text otherwise (javascript:, data:)."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return f'<a href="{_e(url.strip())}" rel="noopener noreferrer">{_e(url)}</a>'
    return _e(url)


# --------------------------------------------------------------------------------------------
# Findings: numbered rows (repeats collapsed), and where each lands in the text


@dataclass
class _Row:
    """One row of the checks panel: a finding, and every place it repeats with its page anchor."""

    number: int
    first: Finding
    places: list[tuple[Finding, str | None]] = field(default_factory=list)


def _kinds(findings: Sequence[Finding]) -> list[str]:
    """Kinds with errors first, then those with warnings only; each in order of appearance."""
    kinds = list(dict.fromkeys(finding.kind for finding in findings))
    worst = {kind: min(_rank(f.severity) for f in findings if f.kind == kind) for kind in kinds}
    return sorted(kinds, key=lambda kind: worst[kind])


def _rank(severity: str) -> int:
    return _SEVERITIES.index(severity) if severity in _SEVERITIES else len(_SEVERITIES)


def _rows(brief: Brief) -> list[_Row]:
    """Findings grouped by kind, severity and detail, in the order of `_kinds`, errors first."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in brief.findings:
        groups.setdefault((finding.kind, finding.severity, finding.detail), []).append(finding)
    kinds = {kind: number for number, kind in enumerate(_kinds(brief.findings))}
    ordered = sorted(groups.values(), key=lambda group: (kinds[group[0].kind], _rank(group[0].severity)))
    anchor = _anchors(brief)
    return [
        _Row(number, group[0], [(f, anchor(f)) for f in group])
        for number, group in enumerate(ordered, start=1)
    ]


def _anchors(brief: Brief):
    """finding -> the id of the sentence, paragraph or tier it concerns, None when not shown."""
    # Findings name a paragraph by its index, which need not be its position in the brief.
    sentences = {paragraph.index: len(paragraph.sentences) for paragraph in brief.paragraphs}
    tiers = {tier.name for tier in brief.summaries.tiers} if brief.summaries else set()

    def anchor(finding: Finding) -> str | None:
        if finding.tier:
            return f"tier-{finding.tier}" if finding.tier in tiers else None
        if finding.paragraph not in sentences:
            return None
        if finding.sentence is not None and 0 <= finding.sentence < sentences[finding.paragraph]:
            return f"p{finding.paragraph + 1}s{finding.sentence + 1}"
        return f"p{finding.paragraph + 1}"

    return anchor


def _place(finding: Finding) -> str:
    if finding.tier:
        return tier_title(finding.tier)
    if finding.paragraph is None:
        return "the article"
    sentence = f", sentence {finding.sentence + 1}" if finding.sentence is not None else ""
    return f"paragraph {finding.paragraph + 1}{sentence}"


def _marks_by_anchor(rows: Sequence[_Row]) -> dict[str, list[tuple[_Row, Finding]]]:
    marks: dict[str, list[tuple[_Row, Finding]]] = {}
    for row in rows:
        for finding, anchor in row.places:
            if anchor is not None:
                marks.setdefault(anchor, []).append((row, finding))
    return marks


def _footnotes(marks: Sequence[tuple[_Row, Finding]]) -> str:
    numbers = sorted({row.number for row, _ in marks})
    links = ",".join(f'<a href="#f{number}">{number}</a>' for number in numbers)
    return f'<sup class="fn">{links}</sup>'


def _hover(marks: Sequence[tuple[_Row, Finding]]) -> str:
    lines = dict.fromkeys(
        f"{row.number}. {finding.severity}: {finding.kind}: {finding.detail}" for row, finding in marks
    )
    return "\n".join(lines)


def _worst(marks: Sequence[tuple[_Row, Finding]]) -> str:
    return "error" if any(finding.severity == "error" for _, finding in marks) else "warning"


# --------------------------------------------------------------------------------------------
# The brief's page


def _header_rows(brief: Brief) -> list[tuple[str, str]]:
    """(label, HTML) pairs: the other views' header rows, escaped, the URL a link."""
    return [(label, _link(value) if label == "URL" else _e(value)) for label, value in header_rows(brief)]


def _header(brief: Brief, title: str) -> str:
    rows = "".join(f"<dt>{_e(label)}</dt><dd>{value}</dd>" for label, value in _header_rows(brief))
    return f'<header>\n<p class="eyebrow">wirebrief</p>\n<h1>{_e(title)}</h1>\n<dl class="meta">{rows}</dl>\n</header>'


def _title(brief: Brief) -> str:
    headline = brief.summaries.get("headline") if brief.summaries else None
    if headline and headline.text.strip():
        return headline.text
    return brief.metadata.title or brief.metadata.source_name or "Brief"


def _flagnotes(marks: Sequence[tuple[_Row, Finding]]) -> str:
    """A visible line per finding on a tier, linked to its row in the checks panel."""
    rows = {row.number: row for row, _ in marks}
    return "".join(
        f'<p class="flagnote {_e(row.first.severity)}"><span class="sev">{_e(row.first.severity)}</span> '
        f'<span class="kind">{_e(row.first.kind)}</span> {_e(row.first.detail)} '
        f'<sup class="fn"><a href="#f{number}">{number}</a></sup></p>'
        for number, row in sorted(rows.items())
    )


def _tier(tier: Tier, marks: Sequence[tuple[_Row, Finding]]) -> str:
    flagged = f" flagged {_worst(marks)}" if marks else ""
    if tier.items is not None:
        body = "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in tier.items) + "</ul>"
    else:
        body = f'<p class="{"lede" if tier.name == "lede" else "text"}">{_e(tier.text)}</p>'
    return (
        f'<section class="tier{flagged}" id="tier-{_e(tier.name)}">'
        f"<h2>{_e(tier_title(tier.name))}</h2>{body}{_flagnotes(marks)}</section>"
    )


def _tiers(brief: Brief, marks: dict[str, list[tuple[_Row, Finding]]]) -> str:
    if not brief.summaries:
        return ""
    parts = []
    for tier in brief.summaries.tiers:
        if tier.name == "headline":
            # The headline is the page's h1; its findings go right under the header.
            if marks.get("tier-headline"):
                parts.append(
                    f'<div class="tier flagged" id="tier-headline">{_flagnotes(marks["tier-headline"])}</div>'
                )
            continue
        parts.append(_tier(tier, marks.get(f"tier-{tier.name}", [])))
    return "\n".join(parts)


def _kind_id(kind: str) -> str:
    return "kind-" + re.sub(r"[^A-Za-z0-9_-]", "-", kind)


def _by_severity(findings: Sequence[Finding]) -> str:
    counts = Counter(finding.severity for finding in findings)
    return ", ".join(plural(counts[severity], severity) for severity in _SEVERITIES if counts[severity])


def _counts_table(findings: Sequence[Finding]) -> str:
    counts = Counter((finding.kind, finding.severity) for finding in findings)
    head = "<tr><th>Kind</th><th>Errors</th><th>Warnings</th></tr>"
    body = "".join(
        f'<tr><td class="kind"><a href="#{_kind_id(kind)}">{_e(kind)}</a></td>'
        f'<td class="n">{counts[kind, "error"] or ""}</td><td class="n">{counts[kind, "warning"] or ""}</td></tr>'
        for kind in _kinds(findings)
    )
    return f'<table class="counts"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _excerpt(finding: Finding) -> str:
    if not (finding.source or finding.target):
        return ""
    lines = [
        f"<p>{_e(finding.source)}</p>" if finding.source else "",
        f"<p>→ {_e(finding.target)}</p>" if finding.target else "",
    ]
    return f'<details class="excerpt"><summary>the sentence</summary>{"".join(lines)}</details>'


def _places(row: _Row) -> str:
    """Where a row's findings are, sentences gathered by paragraph: 'paragraph 2: sentences 1, 3'."""
    groups: dict[str, list[str]] = {}
    for finding, anchor in row.places:
        if finding.sentence is None or finding.paragraph is None or finding.tier:
            label = _e(_place(finding))
            groups.setdefault(f'<a href="#{anchor}">{label}</a>' if anchor else label, [])
            continue
        number = str(finding.sentence + 1)
        link = f'<a href="#{anchor}">{number}</a>' if anchor else number
        groups.setdefault(f"paragraph {finding.paragraph + 1}", []).append(link)
    return " · ".join(
        f"{label}: {'sentence' if len(items) == 1 else 'sentences'} {', '.join(items)}" if items else label
        for label, items in groups.items()
    )


def _finding_row(row: _Row) -> str:
    finding = row.first
    repeats = f' <span class="times">× {len(row.places)}</span>' if len(row.places) > 1 else ""
    excerpt = _excerpt(finding) if len(row.places) == 1 else ""
    return (
        f'<li class="{_e(finding.severity)}" id="f{row.number}"><span class="no">{row.number}.</span>'
        f'<span class="sev">{_e(finding.severity)}</span>{repeats}'
        f' {_e(finding.detail)}<span class="where">{_places(row)}</span>{excerpt}</li>'
    )


def _kind_groups(rows: Sequence[_Row], findings: Sequence[Finding]) -> str:
    """The rows kind by kind, each kind a section the reader can fold (open, so it prints)."""
    groups = []
    for kind in _kinds(findings):
        items = "\n".join(_finding_row(row) for row in rows if row.first.kind == kind)
        counts = _by_severity([finding for finding in findings if finding.kind == kind])
        groups.append(
            f'<details class="group" id="{_kind_id(kind)}" open><summary><span class="kind">{_e(kind)}</span> '
            f'<span class="times">{_e(counts)}</span></summary><ol class="findings">\n{items}\n</ol></details>'
        )
    return "\n".join(groups)


def _checks(brief: Brief, rows: Sequence[_Row]) -> str:
    findings = brief.findings
    unchecked = brief.provenance.get("checks", {}).get("numbers_and_names") is False
    note = (
        '<p class="note">Numbers and names are not checked for this language pair.</p>' if unchecked else ""
    )
    if not findings:
        return f'<section id="checks"><h2>Checks</h2><p class="clean">No findings.</p>{note}</section>'
    sentences = {(f.paragraph, f.sentence) for f in findings if f.sentence is not None}
    summary = f"{plural(len(findings), 'finding')}: {_by_severity(findings)}, in {plural(len(sentences), 'sentence')}"
    skip = (
        '<p class="skip"><a href="#translation">Skip to the translation</a></p>' if brief.paragraphs else ""
    )
    return (
        f'<section id="checks"><h2>Checks</h2><p>{_e(summary)}</p>{note}{_counts_table(findings)}{skip}\n'
        f"{_kind_groups(rows, findings)}</section>"
    )


def _sentence(text: str, anchor: str, marks: Sequence[tuple[_Row, Finding]], *, target: bool) -> str:
    """A sentence; on the translation side it carries the anchor, and a mark when flagged."""
    if not target:
        return f'<span class="s">{_e(text)}</span>'
    if not marks:
        return f'<span class="s" id="{anchor}">{_e(text)}</span>'
    return (
        f'<mark class="flag {_worst(marks)}" id="{anchor}" title="{_e(_hover(marks))}">{_e(text)}</mark>'
        f"{_footnotes(marks)}"
    )


def _paragraph_pair(
    paragraph: TranslatedParagraph, brief: Brief, marks: dict[str, list[tuple[_Row, Finding]]]
) -> str:
    number = paragraph.index + 1
    anchor = f"p{number}"
    kind = f" {_e(paragraph.kind)}" if paragraph.kind != "paragraph" else ""
    sources, targets = [], []
    for position, sentence in enumerate(paragraph.sentences, start=1):
        found = marks.get(f"{anchor}s{position}", [])
        sources.append(_sentence(sentence.source, f"{anchor}s{position}", found, target=False))
        targets.append(_sentence(sentence.translation, f"{anchor}s{position}", found, target=True))
    whole = marks.get(anchor, [])
    note = _footnotes(whole) if whole else ""
    kept = (
        f' <span class="kept">kept as it is ({_e(paragraph.language)})</span>' if paragraph.language else ""
    )
    counter = f'<span class="num">{number}</span>'
    if not brief.translated:
        return f'<div class="pair one{kind}" id="{anchor}"><div class="tgt">{counter}{" ".join(targets)}{note}</div></div>'
    return (
        f'<div class="pair{kind}" id="{anchor}">'
        f'<div class="src" lang="{_e(brief.source_language)}">{counter}{" ".join(sources)}</div>'
        f'<div class="tgt" lang="{_e(brief.target_language)}">{" ".join(targets)}{note}{kept}</div></div>'
    )


def _translation(brief: Brief, marks: dict[str, list[tuple[_Row, Finding]]]) -> str:
    pairs = "\n".join(_paragraph_pair(paragraph, brief, marks) for paragraph in brief.paragraphs)
    if not brief.translated:
        heading = f"Text (already in {_e(brief.target_language)}: not translated)"
        return f'<section id="translation"><h2>{heading}</h2>\n{pairs}\n</section>'
    columns = (
        f'<div class="pair cols" aria-hidden="true"><div>Source ({_e(brief.source_language)})</div>'
        f"<div>Translation ({_e(brief.target_language)})</div></div>"
    )
    return f'<section id="translation"><h2>Translation</h2>\n{columns}\n{pairs}\n</section>'


def to_html(brief: Brief) -> str:
    """One self-contained HTML page: header, tiers, checks, and the translation beside its source."""
    from wirebrief import __version__

    rows = _rows(brief)
    marks = _marks_by_anchor(rows)
    title = _title(brief)
    body = "\n".join(part for part in (
        _header(brief, title),
        "<main>",
        _tiers(brief, marks),
        _checks(brief, rows),
        _translation(brief, marks),
        "</main>",
        f"<footer>Made by wirebrief {_e(__version__)}. Machine translation and summaries: check before you quote.</footer>",
    ) if part)  # fmt: skip
    return _page(title, body, lang=brief.target_language)


# --------------------------------------------------------------------------------------------
# A batch run's index


def _href(output: str) -> str:
    """A relative link to a result file: each path part percent-encoded, never a scheme or a host."""
    parts = [quote(part, safe="") for part in output.replace("\\", "/").split("/") if part]
    return "/".join(parts)


def _findings(entry: dict[str, Any]) -> dict[str, int]:
    """An entry's counts by severity; a manifest line written by hand may hold anything."""
    findings = entry.get("findings")
    if not isinstance(findings, dict):
        return {}
    return {
        key: value
        for key, value in findings.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }


def _count(value: int | None, severity: str) -> str:
    if value is None:
        return ""
    unit = plural(value, severity).removeprefix(str(value))
    return f'{value}<span class="unit">{_e(unit)}</span>'


def _index_row(number: int, entry: dict[str, Any]) -> str:
    status = str(entry.get("status") or "")
    label = entry.get("headline") or entry.get("id") or entry.get("input") or "article"
    output = entry.get("output")
    linked = isinstance(output, str) and output.strip("/\\") and status != "failed"
    shown = f'<a href="{_e(_href(output))}">{_e(label)}</a>' if linked else _e(label)
    id_note = f'<span class="where">{_e(entry.get("id"))}</span>' if entry.get("headline") else ""
    error = f'<span class="where">{_e(entry.get("error"))}</span>' if entry.get("error") else ""
    findings = _findings(entry)
    # The unit shows where the table's header does not: on a phone, one article a block.
    counts = "".join(f'<td class="n {s}">{_count(findings.get(s), s)}</td>' for s in _SEVERITIES)
    return (
        f'<tr class="{_e(status)}"><td class="n no">{number}</td><td class="title">{shown}{id_note}{error}</td>'
        f"<td>{_e(entry.get('language') or '')}</td>{counts}<td>{_e(status)}</td></tr>"
    )


def batch_index(entries: list[dict], *, title: str = "wirebrief batch") -> str:
    """The index page of a batch run: each article's headline, language, findings and page."""
    by_status = Counter(str(entry.get("status")) for entry in entries)
    summary = ", ".join(f"{count} {status}" for status, count in by_status.items())
    errors, warnings = (
        sum(_findings(entry).get(severity, 0) for entry in entries) for severity in _SEVERITIES
    )
    head = ("<tr><th>#</th><th>Article</th><th>Language</th><th>Errors</th><th>Warnings</th>"
            "<th>Status</th></tr>")  # fmt: skip
    rows = "\n".join(_index_row(number, entry) for number, entry in enumerate(entries, start=1))
    body = (
        f'<header><p class="eyebrow">wirebrief</p><h1>{_e(title)}</h1>'
        f"<p>{_e(plural(len(entries), 'article'))}: {_e(summary or 'none')}; "
        f"{_e(plural(errors, 'error'))}, {_e(plural(warnings, 'warning'))} in the checks.</p></header>\n"
        f'<main><table class="runs"><thead>{head}</thead><tbody>\n{rows}\n</tbody></table></main>'
    )
    return _page(title, body)
