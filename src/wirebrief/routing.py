"""Which model translates which language pair: one table, one place.

A pair with a published Helsinki-NLP OPUS-MT model gets it (small, fast, one pair each);
every other pair goes to NLLB-200, one multilingual model that is told the languages by
code. `--translation-model` overrides the direct pair. For a target other than English the
tiers are made by the English summary model, so the plan also says how the English text is
obtained and how the tiers get into the target language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from wirebrief.errors import UsageError

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
    "am": "amh_Ethi", "az": "azj_Latn", "be": "bel_Cyrl", "bn": "ben_Beng", "bs": "bos_Latn",
    "cy": "cym_Latn", "eo": "epo_Latn", "eu": "eus_Latn", "fo": "fao_Latn", "ga": "gle_Latn",
    "gd": "gla_Latn", "gl": "glg_Latn", "gu": "guj_Gujr", "ha": "hau_Latn", "ht": "hat_Latn",
    "hy": "hye_Armn", "ig": "ibo_Latn", "is": "isl_Latn", "jv": "jav_Latn", "ka": "kat_Geor",
    "kk": "kaz_Cyrl", "km": "khm_Khmr", "kn": "kan_Knda", "ku": "kmr_Latn", "ky": "kir_Cyrl",
    "lo": "lao_Laoo", "mg": "plt_Latn", "mk": "mkd_Cyrl", "ml": "mal_Mlym", "mn": "khk_Cyrl",
    "mr": "mar_Deva", "ms": "zsm_Latn", "mt": "mlt_Latn", "my": "mya_Mymr", "ne": "npi_Deva",
    "nn": "nno_Latn", "oc": "oci_Latn", "pa": "pan_Guru", "ps": "pbt_Arab", "qu": "quy_Latn",
    "rw": "kin_Latn", "si": "sin_Sinh", "so": "som_Latn", "sq": "als_Latn", "sw": "swh_Latn",
    "ta": "tam_Taml", "te": "tel_Telu", "tg": "tgk_Cyrl", "tl": "tgl_Latn", "uz": "uzn_Latn",
    "xh": "xho_Latn", "yo": "yor_Latn", "zu": "zul_Latn",
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
        from wirebrief.inputs.language import language_name

        names = ", ".join(f"{language_name(code)} ({code})" for code in missing)
        raise UsageError(
            f"no translation model is known for {names}",
            hint="pass --translation-model with a model for the pair, or --source-lang if the detection is wrong",
        )
    return Route(source, target, model, "nllb", NLLB_CODES[source], NLLB_CODES[target])


_PAIR_NAME = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})$")


def covers(model: str) -> tuple[str, str] | None:
    """The language pair a model's name says it translates (opus-mt-de-en: de -> en), after
    resolving an alias; None when the name does not say."""
    from wirebrief.models import ALIASES

    name = ALIASES.get(model.strip(), model.strip()).rstrip("/").rsplit("/", 1)[-1].lower()
    match = _PAIR_NAME.search(name)
    return (match.group(1), match.group(2)) if match else None


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

    `translation_model` overrides the direct pair only (and the tiers' translation when that
    is the same pair); the pivot comes from the table. A model whose name says its pair
    (opus-mt-nl-en, the default) is used for that pair only, and the table decides the others.
    """
    if translation_model and covers(translation_model) not in (None, (source, target)):
        translation_model = None  # a model whose name says it is for another pair
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
    # English into the target is the direct pair itself when the article is English: an
    # override for it serves the tiers too.
    tiers_route = direct if direct is not None and source == SUMMARY_LANGUAGE else route(SUMMARY_LANGUAGE, target)
    return Plan(source, target, direct, summary_input, pivot, tiers_route, summary_model)
