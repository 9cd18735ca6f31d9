"""What to make of an article, as opposed to how to run the models.

`Settings` (config.py) says how the models run: which models, engine, device, beams, cache.
`Options` says what the reader asked for: which tiers, from and into which language, how the
input is read and the result written, and when the findings fail the run. The CLI builds one
`Options` and it travels, unchanged, down to the pipeline and the batch driver; the batch
resume key is derived from it (`Options.key_fields`), so a new option cannot be left out of the
key by accident: a field that does not change a result must say so (`key=False`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

#: The choices of the fields below, here so the CLI's option lists can name them without
#: importing the modules that act on them (`wirebrief --help` stays fast).
INPUT_FORMATS = ("auto", "text", "html", "markdown", "docx")
FAIL_ON = ("error", "warning", "never")
BATCH_FORMATS = ("json", "markdown", "html", "jsonl")
VERIFY = ("none", "back")
#: How a brief is written (brief, translate, summarise).
FORMATS = ("rich", "json", "markdown", "text", "html")
#: The formats of the other commands' views (render.views): a plan, a detection, a check ...
VIEW_FORMATS = ("rich", "json", "text")
#: How the Rich view lists findings: the overview, or every one.
FINDINGS_VIEWS = ("summary", "all")


def _not_in_key(default: Any) -> Any:
    return field(default=default, metadata={"key": False})


def _in_key_when_set(default: Any) -> Any:
    """An option added after results were first written: it joins the key only when it differs
    from its default, so results made before it existed are still found (not all redone)."""
    return field(default=default, metadata={"key": "when set"})


@dataclass(frozen=True)
class Options:
    #: Comma-separated tier names, "all", "none", or None for the configured default.
    tiers: str | None = None
    source_lang: str = "auto"
    target_lang: str = "en"
    #: How the input is read: auto (told from the content), text, html, markdown, docx.
    input_format: str = "auto"
    #: How a result is written: json, markdown, text, html, rich (jsonl for batch streams).
    output_format: str = "json"
    translate: bool = True
    summarise: bool = True
    #: "back": translate each sentence back with the reverse model and check it against the source.
    verify: str = _in_key_when_set("none")
    #: When findings make the exit code non-zero: error, warning, never. Does not change a result.
    fail_on: str = _not_in_key("never")
    #: How many findings the Rich view lists (summary|all). Does not change a result file.
    findings: str = _not_in_key("summary")

    def key_fields(self) -> dict[str, Any]:
        """The fields a result depends on, by name: what the batch resume key is made of."""
        chosen = {}
        for option in fields(self):
            rule, value = option.metadata.get("key", True), getattr(self, option.name)
            if rule is True or (rule == "when set" and value != option.default):
                chosen[option.name] = value
        return chosen

    def updated(self, **changes: Any) -> Options:
        """These options with `changes` applied, leaving out those that are None (not given):
        how the older keyword arguments of the pipeline's functions are folded in."""
        given = {name: value for name, value in changes.items() if value is not None}
        return replace(self, **given) if given else self
