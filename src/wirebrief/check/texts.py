"""A translation made anywhere, checked against its source: both split and aligned as
wirebrief splits an article, each aligned pair checked as one sentence."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from wirebrief.check.align import align
from wirebrief.check.findings import FailOn, fails
from wirebrief.check.glossary import Glossary
from wirebrief.check.sentence import Context, check_sentence
from wirebrief.results import Finding


@dataclass(frozen=True)
class SentencePair:
    """Source sentences aligned with translated ones (either side may be empty)."""

    paragraph: int | None
    sentences: tuple[int, ...]
    source: str
    target_paragraph: int | None
    target_sentences: tuple[int, ...]
    target: str


@dataclass(frozen=True)
class TextCheck:
    """`check_texts`'s result: the findings and the alignment they were made on."""

    findings: tuple[Finding, ...]
    pairs: tuple[SentencePair, ...]
    source_paragraphs: int
    target_paragraphs: int

    def fails(self, fail_on: FailOn = "error") -> bool:
        return fails(self.findings, fail_on)

    def as_dict(self) -> dict:
        """For `wirebrief check --format json`: the findings, then the alignment they rest on."""
        return {
            "source_paragraphs": self.source_paragraphs,
            "target_paragraphs": self.target_paragraphs,
            "findings": [finding.as_dict() for finding in self.findings],
            "alignment": [asdict(pair) for pair in self.pairs],
        }


def check_texts(
    source_text: str,
    target_text: str,
    *,
    glossary: Glossary | None = None,
    source_lang: str = "nl",
    target_lang: str = "en",
) -> TextCheck:
    """Check a translation made by anyone against its source, both as plain text.

    Both are split into paragraphs (blank-line blocks) and sentences as `wirebrief` splits an
    article, aligned (see `wirebrief.check.align`), and each aligned pair is checked as in
    `check_sentence`. A difference in paragraph or sentence count is a `coverage` error; a
    paragraph or sentence left without a counterpart is reported, never dropped. Raises
    InputError if either text is empty.
    """
    from wirebrief.inputs.document import parse

    # As `document.decode` does for an article file: "ï" is one character however it was typed.
    source_text, target_text = (unicodedata.normalize("NFC", text) for text in (source_text, target_text))
    source = parse(source_text, language=source_lang, source_name="source")
    target = parse(target_text, language=target_lang, source_name="translation")
    source_units = [p.text for p in source.paragraphs]
    target_units = [p.text for p in target.paragraphs]
    findings: list[Finding] = []
    if len(source_units) != len(target_units):
        findings.append(Finding(
            "coverage", "error",
            f"the source has {len(source_units)} paragraphs, the translation {len(target_units)}: "
            "paragraphs were aligned by length, numbers and names",
        ))
    context = Context.for_article(
        (s for p in source.paragraphs for s in p.sentences),
        source_lang=source_lang, target_lang=target_lang, glossary=glossary,
    )
    pairs: list[SentencePair] = []
    for sources, targets in align(source_units, target_units, source_lang=source_lang, target_lang=target_lang):
        if not targets:
            [i] = sources
            findings.append(Finding(
                "coverage", "error", f"paragraph {i + 1} of the source has no translation",
                paragraph=i, source=source_units[i],
            ))
            pairs.append(SentencePair(i, tuple(range(len(source.paragraphs[i].sentences))), source_units[i], None, (), ""))
            continue
        if not sources:
            [j] = targets
            findings.append(Finding(
                "coverage", "error", f"paragraph {j + 1} of the translation has no source", target=target_units[j],
            ))
            pairs.append(SentencePair(None, (), "", j, tuple(range(len(target.paragraphs[j].sentences))), target_units[j]))
            continue
        if len(sources) > 1 or len(targets) > 1:
            findings.append(Finding(
                "coverage", "warning",
                f"source paragraphs {_span(sources)} are translation paragraphs {_span(targets)}",
                paragraph=sources[0],
            ))
        new_pairs, new_findings = _check_paragraphs(
            [(i, k, s) for i in sources for k, s in enumerate(source.paragraphs[i].sentences)],
            [(j, k, s) for j in targets for k, s in enumerate(target.paragraphs[j].sentences)],
            context,
        )
        pairs += new_pairs
        findings += new_findings
    return TextCheck(tuple(findings), tuple(pairs), len(source_units), len(target_units))


def _span(indices: Sequence[int]) -> str:
    return f"{indices[0] + 1}" if len(indices) == 1 else f"{indices[0] + 1}-{indices[-1] + 1}"


def _check_paragraphs(
    sources: list[tuple[int, int, str]], targets: list[tuple[int, int, str]], context: Context
) -> tuple[list[SentencePair], list[Finding]]:
    """Align the sentences of paired paragraphs and check each pair."""
    findings: list[Finding] = []
    paragraph = sources[0][0]
    if len(sources) != len(targets):
        findings.append(Finding(
            "coverage", "error",
            f"paragraph {paragraph + 1}: {len(sources)} source sentences but {len(targets)} in the translation",
            paragraph=paragraph,
        ))
    pairs = []
    beads = align(
        [s for _, _, s in sources], [t for _, _, t in targets],
        source_lang=context.source_lang, target_lang=context.target_lang,
    )
    for source_ids, target_ids in beads:
        source_text = " ".join(sources[i][2] for i in source_ids)
        target_text = " ".join(targets[j][2] for j in target_ids)
        first_source = sources[source_ids[0]] if source_ids else None
        first_target = targets[target_ids[0]] if target_ids else None
        pairs.append(SentencePair(
            first_source[0] if first_source else None, tuple(sources[i][1] for i in source_ids), source_text,
            first_target[0] if first_target else None, tuple(targets[j][1] for j in target_ids), target_text,
        ))
        where_paragraph = first_source[0] if first_source else paragraph
        where_sentence = first_source[1] if first_source else None
        if not target_ids:
            findings.append(Finding(
                "omission", "error", "this sentence has no translation",
                paragraph=where_paragraph, sentence=where_sentence, source=source_text,
            ))
        elif not source_ids:
            findings.append(Finding(
                "addition", "warning", "this sentence of the translation has no source",
                paragraph=where_paragraph, target=target_text,
            ))
        else:
            findings += check_sentence(
                source_text, target_text, context, paragraph=where_paragraph, sentence=where_sentence
            )
    return pairs, findings
