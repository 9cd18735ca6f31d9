#!/usr/bin/env python3
"""Measure the fidelity checks on a set of hand-made cases: recall per kind, false positives.

The cases live in `tests/data/checks/`:

- `pairs.tsv`: source sentence, translation, expected finding kinds (comma-separated; empty
  for a correct translation, which must get no finding at all). Checked with `glossary.tsv`.
- `summaries.tsv`: article source, article translation, a summary, expected kinds.
- `meaning.tsv`, `meaning-summaries.tsv`: the same for the meaning checks (negation, dates,
  units, direction, and those of the summary tiers).
- `roles.tsv`: role swaps (two names on either side of a verb that changed places).
- `heldout/`: a second set of the same files, written after the checks were tuned and never
  tuned on: `python scripts/eval_checks.py tests/data/checks/heldout`.

Lines starting with `#` and the header line are skipped. Prints, for each kind, how many planted
errors of that kind were found, how many correct cases got a finding anyway and how many an
error, and how long the checks take on the example article. With `--verbose`, also each miss and
each false positive with the findings. `--check` exits 1 unless every planted error is found and
at most 1 correct case in 20 is flagged.

    python scripts/eval_checks.py [--verbose] [--check] [FOLDER]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wirebrief.check import (
    Context,
    Finding,
    article_text,
    check_sentence,
    check_summaries,
    check_texts,
    check_translation,
)
from wirebrief.check.glossary import Glossary, load_glossary
from wirebrief.results import Summaries, Tier, TranslatedParagraph, TranslatedSentence

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT / "tests" / "data" / "checks"
#: The example article and a correct translation of it: the checks are timed on them.
EXAMPLE = (ROOT / "examples" / "article-nl-2025-02.txt", DEFAULT_FOLDER / "article-en-2025-02.txt")
#: The aims: every planted error found, at most one correct case in twenty flagged.
MIN_RECALL = 1.0
MAX_FALSE_POSITIVE_RATE = 0.05


@dataclass(frozen=True)
class Case:
    where: str
    source: str
    translation: str
    expected: frozenset[str]
    summary: str | None = None


@dataclass
class Report:
    planted: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    correct: int = 0
    false_positives: list[tuple[Case, list[Finding]]] = field(default_factory=list)
    #: Correct cases with an error-level finding (a subset of `false_positives`).
    false_errors: list[tuple[Case, list[Finding]]] = field(default_factory=list)
    misses: list[tuple[Case, str, list[Finding]]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recall(self) -> dict[str, float]:
        return {kind: self.found.get(kind, 0) / count for kind, count in sorted(self.planted.items())}

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / self.correct if self.correct else 0.0

    @property
    def false_error_rate(self) -> float:
        return len(self.false_errors) / self.correct if self.correct else 0.0

    def meets_aims(self) -> bool:
        return all(r >= MIN_RECALL for r in self.recall.values()) and self.false_positive_rate <= MAX_FALSE_POSITIVE_RATE


def read_cases(path: Path, columns: int) -> list[Case]:
    cases = []
    header_seen = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        fields = line.split("\t")
        if len(fields) != columns:
            raise SystemExit(f"{path}:{number}: expected {columns} tab-separated columns, found {len(fields)}")
        expected = frozenset(kind.strip() for kind in fields[-1].split(",") if kind.strip())
        summary = fields[2] if columns == 4 else None
        cases.append(Case(f"{path.name}:{number}", fields[0], fields[1], expected, summary))
    return cases


def run_case(case: Case, glossary: Glossary | None) -> list[Finding]:
    if case.summary is None:
        context = Context.for_article([case.source], source_lang="nl", target_lang="en", glossary=glossary)
        return check_sentence(case.source, case.translation, context)
    summaries = Summaries(tiers=(Tier("summary", text=case.summary),))
    return check_summaries(summaries, article=case.translation, source=case.source, glossary=glossary)


def evaluate(folder: Path = DEFAULT_FOLDER) -> Report:
    glossary_path = folder / "glossary.tsv"
    glossary = load_glossary(glossary_path) if glossary_path.exists() else None
    cases = read_cases(folder / "pairs.tsv", 3) if (folder / "pairs.tsv").exists() else []
    for name, columns in (("summaries.tsv", 4), ("meaning.tsv", 3), ("meaning-summaries.tsv", 4), ("roles.tsv", 3)):
        if (folder / name).exists():
            cases += read_cases(folder / name, columns)
    report = Report()
    started = time.perf_counter()
    for case in cases:
        findings = run_case(case, glossary)
        kinds = {finding.kind for finding in findings}
        if not case.expected:
            report.correct += 1
            if findings:
                report.false_positives.append((case, findings))
            if any(finding.severity == "error" for finding in findings):
                report.false_errors.append((case, findings))
            continue
        for kind in case.expected:
            report.planted[kind] = report.planted.get(kind, 0) + 1
            if kind in kinds:
                report.found[kind] = report.found.get(kind, 0) + 1
            else:
                report.misses.append((case, kind, findings))
    report.seconds = time.perf_counter() - started
    return report


def _describe(findings: Sequence[Finding]) -> str:
    return "; ".join(f"{f.kind}: {f.detail}" for f in findings) or "no findings"


def print_report(report: Report, verbose: bool = False) -> None:
    print(f"{'kind':<18} {'found':>5} / planted  recall")
    for kind, recall in report.recall.items():
        print(f"{kind:<18} {report.found.get(kind, 0):>5} / {report.planted[kind]:<7}  {recall:.0%}")
    total_planted = sum(report.planted.values())
    total_found = sum(report.found.values())
    print(f"{'all planted':<18} {total_found:>5} / {total_planted:<7}  {total_found / max(1, total_planted):.0%}")
    print(
        f"correct cases flagged: {len(report.false_positives)} of {report.correct} "
        f"({report.false_positive_rate:.1%}), with an error: {len(report.false_errors)} "
        f"({report.false_error_rate:.1%}); {report.seconds * 1000:.0f} ms in all"
    )
    if verbose:
        for case, kind, findings in report.misses:
            print(f"MISSED {kind} at {case.where}: {_describe(findings)}")
        for case, findings in report.false_positives:
            print(f"FALSE POSITIVE at {case.where}: {_describe(findings)}")


def time_example(repeats: int = 5) -> tuple[float, float, int]:
    """The checks' time on the example article and its translation, the fastest of a few runs
    after one to warm up: a brief's checks (`check_translation` and `check_summaries` on the
    sentences as the pipeline has them), and `check_texts`, which also splits both texts into
    sentences and aligns them; and the number of sentences."""
    source, target = (path.read_text(encoding="utf-8") for path in EXAMPLE)
    pairs = check_texts(source, target).pairs
    paragraphs: dict[int, list[TranslatedSentence]] = {}
    for pair in pairs:
        paragraphs.setdefault(pair.paragraph or 0, []).append(TranslatedSentence(pair.source, pair.target))
    translated = [
        TranslatedParagraph(index, "paragraph", " ".join(s.source for s in sentences), tuple(sentences))
        for index, sentences in sorted(paragraphs.items())
    ]
    summaries = Summaries(tiers=(Tier("headline", text=pairs[0].target), Tier("summary", text=" ".join(p.target for p in pairs[:4]))))

    def brief_checks() -> None:
        check_translation([len(p.sentences) for p in translated], translated, source_lang="nl", target_lang="en")
        check_summaries(summaries, article=article_text(translated), source=source, source_lang="nl", target_lang="en")

    def fastest(run) -> float:
        run()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    return fastest(brief_checks), fastest(lambda: check_texts(source, target)), len(pairs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and false positives")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the aims are met")
    args = parser.parse_args(argv)
    report = evaluate(args.folder)
    print_report(report, args.verbose)
    brief, texts, sentences = time_example()
    print(
        f"example article ({sentences} sentences): a brief's checks {brief * 1000:.0f} ms; "
        f"check_texts, splitting and aligning too, {texts * 1000:.0f} ms"
    )
    return 1 if args.check and not report.meets_aims() else 0


if __name__ == "__main__":
    sys.exit(main())
