"""Language detection with py3langid, which ships its own model and works offline."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .errors import InputError

#: Below this, a guess that is not the expected language is called unsure rather than wrong.
CONFIDENT = 0.8
#: Names for the languages a Dutch newsroom is likely to feed in by mistake.
LANGUAGE_NAMES = {
    "nl": "Dutch", "en": "English", "de": "German", "fr": "French", "af": "Afrikaans",
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "da": "Danish", "sv": "Swedish",
    "no": "Norwegian", "pl": "Polish", "fy": "Frisian", "lb": "Luxembourgish", "ru": "Russian",
    "uk": "Ukrainian", "tr": "Turkish", "ar": "Arabic",
}  # fmt: skip


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float

    @property
    def name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)


@lru_cache(maxsize=1)
def _identifier():
    from pathlib import Path

    from py3langid import langid

    # Normalised probabilities make the confidence a probability, not a raw score.
    return langid.LanguageIdentifier.from_modelpath(Path(langid.MODEL_DIR) / langid.MODEL_FILE, norm_probs=True)


def detect(text: str) -> Detection:
    language, confidence = _identifier().classify(text)
    return Detection(language, float(confidence))


def confirm_language(text: str, expected: str, name: str = "input") -> Detection:
    """Detect the text's language and refuse, with the reason, if it is not `expected`."""
    found = detect(text)
    if found.language == expected:
        return found
    expected_name = LANGUAGE_NAMES.get(expected, expected)
    if found.confidence >= CONFIDENT:
        raise InputError(
            f"{name} looks like {found.name} ({found.language}, confidence {found.confidence:.2f}), not {expected_name}",
            hint=f"wirebrief translates from {expected_name} for now; pass --source-lang {expected} if the text is {expected_name}",
        )
    raise InputError(
        f"cannot tell the language of {name} with confidence (best guess {found.name}, {found.confidence:.2f})",
        hint=f"pass --source-lang {expected} if the text is {expected_name}",
    )
