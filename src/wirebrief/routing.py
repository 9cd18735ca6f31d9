"""Which model translates which language pair: one table, one place.

A pair with a published Helsinki-NLP OPUS-MT model gets it (small, fast, one pair each);
every other pair goes to NLLB-200, one multilingual model that is told the languages by
code. `--translation-model` overrides the direct pair. For a target other than English the
tiers are made by the English summary model, so the plan also says how the English text is
obtained and how the tiers get into the target language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .config import DEFAULT_TRANSLATION_MODEL
from .errors import UsageError

#: The language the summary model writes and reads.
SUMMARY_LANGUAGE = "en"

#: Published single-pair OPUS-MT models (source, target) -> hub id, for the languages a
#: newsroom meets most. Pairs not listed fall back on NLLB-200. Left out on purpose:
#: pt-en, en-pt, en-pl, nl-de and fr-nl (no such opus-mt model is published), en-ja (only a
#: Bible-trained one), and en-ar, en-zh (multi-target models that need a `>>lang<<` token).
OPUS_MT: dict[tuple[str, str], str] = {
    (src, tgt): f"Helsinki-NLP/opus-mt-{src}-{tgt}"
    for src, tgt in (
        ("nl", "en"), ("de", "en"), ("fr", "en"), ("es", "en"), ("it", "en"), ("sv", "en"),
        ("da", "en"), ("pl", "en"), ("ru", "en"), ("uk", "en"), ("ar", "en"), ("zh", "en"),
        ("ja", "en"),
        ("en", "nl"), ("en", "de"), ("en", "fr"), ("en", "es"), ("en", "it"), ("en", "sv"),
        ("en", "da"), ("en", "ru"), ("en", "uk"),
        ("de", "nl"), ("nl", "fr"), ("nl", "es"), ("es", "nl"), ("de", "fr"), ("fr", "de"),
    )
}  # fmt: skip

NLLB_MODEL = "facebook/nllb-200-distilled-600M"
#: ISO 639-1 codes to NLLB-200's FLORES-200 codes.
NLLB_CODES: dict[str, str] = {
    "af": "afr_Latn", "ar": "arb_Arab", "bg": "bul_Cyrl", "ca": "cat_Latn", "cs": "ces_Latn",
    "da": "dan_Latn", "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn",
    "et": "est_Latn", "fa": "pes_Arab", "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr",
    "hi": "hin_Deva", "hr": "hrv_Latn", "hu": "hun_Latn", "id": "ind_Latn", "it": "ita_Latn",
    "ja": "jpn_Jpan", "ko": "kor_Hang", "lb": "ltz_Latn", "lt": "lit_Latn", "lv": "lvs_Latn",
    "nb": "nob_Latn", "nl": "nld_Latn", "no": "nob_Latn", "pl": "pol_Latn", "pt": "por_Latn",
    "ro": "ron_Latn", "ru": "rus_Cyrl", "sk": "slk_Latn", "sl": "slv_Latn", "sr": "srp_Cyrl",
    "sv": "swe_Latn", "th": "tha_Thai", "tr": "tur_Latn", "uk": "ukr_Cyrl", "vi": "vie_Latn",
    "zh": "zho_Hans",
}  # fmt: skip

Family = Literal["opus-mt", "nllb", "custom"]


@dataclass(frozen=True)
class Route:
    """The model for one language pair, with the language codes a multilingual one needs."""

    source: str
    target: str
    model: str
    family: Family
    #: The model's own codes for the two languages (NLLB: nld_Latn, eng_Latn); else None.
    source_code: str | None = None
    target_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "target": self.target, "model": self.model, "family": self.family,
            "source_code": self.source_code, "target_code": self.target_code,
        }  # fmt: skip


def check_code(code: str, what: str = "language") -> str:
    """A language code as the user typed it, checked for shape and lower-cased."""
    cleaned = code.strip().lower()
    if not (2 <= len(cleaned) <= 3 and cleaned.isalpha()):
        raise UsageError(f"{what} {code!r} is not a language code", hint="use a two-letter ISO 639-1 code such as nl, de, fr, en")
    return cleaned


def route(source: str, target: str, *, override: str | None = None) -> Route:
    """The model for translating `source` into `target` (ISO 639-1 codes)."""
    if source == target:
        raise ValueError("no route is needed within one language")  # a programming error
    if override:
        if override == OPUS_MT.get((source, target)):
            return Route(source, target, override, "opus-mt")
        if looks_multilingual(override):
            return _nllb(source, target, override)
        return Route(source, target, override, "custom")
    if (source, target) in OPUS_MT:
        return Route(source, target, OPUS_MT[(source, target)], "opus-mt")
    return _nllb(source, target, NLLB_MODEL)


def _nllb(source: str, target: str, model: str) -> Route:
    missing = [code for code in (source, target) if code not in NLLB_CODES]
    if missing:
        from .detect import language_name

        names = ", ".join(f"{language_name(code)} ({code})" for code in missing)
        raise UsageError(
            f"no translation model is known for {names}",
            hint="pass --translation-model with a model for the pair, or --source-lang if the detection is wrong",
        )
    return Route(source, target, model, "nllb", NLLB_CODES[source], NLLB_CODES[target])


def looks_multilingual(model: str) -> bool:
    """Whether a model is NLLB-like (told its languages by code): by name, or by its config."""
    import json
    from pathlib import Path

    if "nllb" in model.lower():
        return True
    folder = Path(model).expanduser()
    config = folder / "tokenizer_config.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return "Nllb" in str(data.get("tokenizer_class", ""))
    return False


@dataclass(frozen=True)
class Plan:
    """Everything a brief will do for a language pair, decided before any model loads."""

    source: str
    target: str
    #: source -> target for the article; None when the article is already in the target.
    translation: Route | None
    #: How the summary model gets English: "source", "translation" or "pivot" (a separate
    #: source -> English translation); None when no tiers are made.
    summary_input: str | None
    #: source -> English for the summary model, when the target is not English.
    pivot: Route | None
    #: English -> target for the tiers, when the target is not English.
    tiers_translation: Route | None
    summary_model: str | None

    def routes(self) -> dict[str, Route]:
        """The translation roles this plan uses, by role name."""
        found = {"translation": self.translation, "pivot": self.pivot, "tiers": self.tiers_translation}
        return {role: value for role, value in found.items() if value is not None}

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_language": self.source,
            "target_language": self.target,
            "translated": self.translation is not None,
            "translation": self.translation.as_dict() if self.translation else None,
            "summary_input": self.summary_input,
            "pivot": self.pivot.as_dict() if self.pivot else None,
            "tiers_translation": self.tiers_translation.as_dict() if self.tiers_translation else None,
            "summary_model": self.summary_model,
        }


def plan(
    source: str,
    target: str,
    *,
    translation_model: str | None = None,
    summary_model: str | None = None,
    tiers: bool = True,
) -> Plan:
    """Decide the models for briefing `source` text in `target`.

    `translation_model` overrides the direct pair only; the pivot and the tiers' translation
    come from the table. The default translation model setting counts as no override, so
    routing applies to every pair but the one it covers.
    """
    if translation_model == DEFAULT_TRANSLATION_MODEL and (source, target) != ("nl", "en"):
        translation_model = None
    direct = route(source, target, override=translation_model) if source != target else None
    if not tiers:
        return Plan(source, target, direct, None, None, None, None)
    if target == SUMMARY_LANGUAGE:
        summary_input = "translation" if direct else "source"
        return Plan(source, target, direct, summary_input, None, None, summary_model)
    if source == SUMMARY_LANGUAGE:
        pivot, summary_input = None, "source"
    else:
        pivot, summary_input = route(source, SUMMARY_LANGUAGE), "pivot"
    return Plan(source, target, direct, summary_input, pivot, route(SUMMARY_LANGUAGE, target), summary_model)
