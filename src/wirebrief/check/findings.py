"""What every check shares: where a sentence's findings are, how many of a kind are listed,
which languages the number and name checks read, and when findings fail a run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from wirebrief.check.glossary import Glossary, known_names
from wirebrief.results import Finding, Severity, excerpt

FailOn = Literal["error", "warning", "never"]
FAIL_ON: tuple[FailOn, ...] = ("error", "warning", "never")
#: The most characters of a quote that a finding's detail shows.
_SHOWN_CHARS = 60
#: Findings of one kind a sentence gets one by one; the rest are counted in one more finding.
FINDINGS_PER_KIND = 10
#: Items a finding's detail lists by name before it says how many more there are.
_LISTED = 5
#: Languages whose numbers (decimal comma or point, number words) and names the checker reads.
#: For other languages those checks would only raise false alarms, so they are not run.
NUMBERS_AND_NAMES = frozenset({"nl", "en"})


def reads_numbers_and_names(*languages: str) -> bool:
    return all(language in NUMBERS_AND_NAMES for language in languages)


def listed(items: Sequence[str], limit: int = _LISTED) -> str:
    """Items for a detail, the first few by name: "'A', 'B', 'C' and 12 more"."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


@dataclass(frozen=True)
class Where:
    """Where a sentence's findings are: its indices, its source and its translation."""

    paragraph: int | None
    sentence: int | None
    source: str
    target: str

    def finding(
        self, kind: str, severity: Severity, detail: str, *, at: int | None = None, target_at: int | None = None
    ) -> Finding:
        """A finding on this sentence, its excerpts around `at` in the source and `target_at` in
        the translation (where there is no position there: as far into it as `at` is)."""
        if target_at is None and at is not None:
            target_at = at * len(self.target) // max(1, len(self.source))
        return Finding(
            kind, severity, detail, self.paragraph, self.sentence,
            excerpt(self.source, at), excerpt(self.target, target_at),
        )


def fails(findings: Iterable[Finding], fail_on: FailOn = "error") -> bool:
    """Whether findings fail a check run: `error` fails on any error, `warning` on any finding,
    `never` never. This is what `wirebrief check --fail-on` should exit non-zero on."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if fail_on == "never":
        return False
    return any(fail_on == "warning" or finding.severity == "error" for finding in findings)


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


@lru_cache(maxsize=8)
def known_with(glossary: Glossary | None) -> Glossary:
    """The packaged name equivalents, extended by a user's glossary (cached: the merged list's
    search pattern takes longer to build than a sentence takes to check)."""
    return known_names().merged(glossary)

