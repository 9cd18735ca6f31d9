"""Language detection with py3langid, which ships its own model and works offline.

py3langid scores 142 languages (its model's classes, some of them regional). Its normalised probability is the confidence we report; on a
single short sentence close languages (Dutch, Afrikaans, Frisian, German) can split it, and a
guess below `CONFIDENT` is reported as unsure rather than taken, so wirebrief asks for
`--source-lang` instead of translating with the wrong model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wirebrief.errors import InputError

#: Scripts without spaces pack a word into one or two characters: fewer letters say enough.
_DENSE_SCRIPTS = ("zh", "ja", "ko", "th")
#: py3langid's code for "no linguistic content".
_NO_LANGUAGE = "zxx"
#: The least confidence at which a detection is acted on.
CONFIDENT = 0.8
#: Fewer letters than this say too little about a language to act on, whatever the score.
MIN_LETTERS = 12
#: How a language is called in messages; codes not listed are shown as they are.
LANGUAGE_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French", "fy": "Frisian",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "lb": "Luxembourgish", "lt": "Lithuanian",
    "lv": "Latvian", "nb": "Norwegian Bokmål", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sr": "Serbian", "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


@dataclass(frozen=True)
class Detection:
    """The most likely language, its probability, and the runners-up."""

    language: str
    confidence: float
    #: The best few (language, probability) pairs, most likely first.
    candidates: tuple[tuple[str, float], ...] = ()
    #: Enough text and a high enough probability to act on.
    sure: bool = True

    @property
    def name(self) -> str:
        return language_name(self.language)

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "name": self.name,
            "confidence": round(self.confidence, 4),
            "sure": self.sure,
            "candidates": [{"language": code, "confidence": round(p, 4)} for code, p in self.candidates],
        }


@lru_cache(maxsize=1)
def _identifier():
    from pathlib import Path

    from py3langid import langid

    # Normalised probabilities make the confidence a probability, not a raw score.
    return langid.LanguageIdentifier.from_modelpath(Path(langid.MODEL_DIR) / langid.MODEL_FILE, norm_probs=True)


#: py3langid walks a text byte by byte in Python (2 MB took 19 s): a longer text is judged on
#: this many characters, taken in a few slices spread over it so that no one part decides.
SAMPLE_CHARS = 32_768
_SLICES = 4


def sample(text: str) -> str:
    """`text` itself, or slices of it spread from its start to its end, cut at whitespace."""
    if len(text) <= SAMPLE_CHARS:
        return text
    width = SAMPLE_CHARS // _SLICES
    last = len(text) - width
    slices = []
    for number in range(_SLICES):
        start = last * number // (_SLICES - 1)
        piece = text[start : start + width]
        # Whole words only: a word cut in two reads as another language.
        if start > 0:
            piece = piece.split(None, 1)[-1]
        if start < last:
            piece = piece.rsplit(None, 1)[0]
        slices.append(piece)
    return "\n".join(slices)


def detect(text: str, *, top: int = 3) -> Detection:
    """The language of `text`, with its confidence and whether it is sure enough to act on."""
    text = sample(text)
    ranked = _identifier().rank(text)[:top]
    language, confidence = ranked[0]
    letters = sum(1 for char in text if char.isalpha())
    enough = letters >= MIN_LETTERS or (letters >= 4 and language in _DENSE_SCRIPTS)
    return Detection(
        language=language,
        confidence=float(confidence),
        candidates=tuple((code, float(p)) for code, p in ranked),
        sure=enough and confidence >= CONFIDENT,
    )


def require_language(text: str, name: str = "input") -> Detection:
    """Detect the text's language, refusing with a clear message when the guess is unsure."""
    found = detect(text)
    problem = refusal(found, text, name)
    if problem is not None:
        raise problem
    return found


def refusal(found: Detection, text: str, name: str = "input") -> InputError | None:
    """Why a detection of `text` cannot be acted on, as the error to raise; None if it can."""
    if found.sure and found.language != _NO_LANGUAGE:
        return None
    letters = sum(1 for char in text if char.isalpha())
    if found.language == _NO_LANGUAGE or not letters:
        return InputError(
            f"{name} has no letters to tell its language from",
            hint="pass --source-lang with the language code if it is an article",
        )
    if letters < MIN_LETTERS and found.language not in _DENSE_SCRIPTS:
        return InputError(
            f"{name} is too short to tell its language ({letters} letters)",
            hint="pass --source-lang with the language code",
        )
    others = ", ".join(f"{language_name(code)} {p:.2f}" for code, p in found.candidates[1:] if p >= 0.01)
    runners = f"; also possible: {others}" if others else ""
    return InputError(
        f"cannot tell the language of {name} with confidence "
        f"(best guess {found.name}, {found.confidence:.2f}{runners})",
        hint=f"pass --source-lang {found.language} if the text is {found.name}, or the right code",
    )


#: Languages py3langid confuses with each other on a paragraph; a paragraph "in" a close
#: relative of the article's language is far more often a misreading than a real switch.
_RELATIVES = (
    {"nl", "af", "fy", "li"}, {"de", "lb"}, {"da", "no", "nb", "nn", "sv"}, {"es", "gl", "ca", "pt", "an"},
    {"cs", "sk"}, {"hr", "sr", "bs", "sl"}, {"ru", "be"}, {"uk", "be"}, {"bg", "mk"}, {"id", "ms"},
    {"fr", "oc", "wa"}, {"it", "la", "vec"},
)  # fmt: skip
#: A paragraph must be at least this long, and its detection this sure, to be called foreign.
FOREIGN_MIN_WORDS = 8
FOREIGN_CONFIDENCE = 0.95


def related(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _RELATIVES)


def foreign_language(text: str, language: str) -> str | None:
    """The language of a paragraph that is clearly not in `language` (a quote in English in a
    Dutch story), or None. Short paragraphs and close relatives are never called foreign."""
    if len(text.split()) < FOREIGN_MIN_WORDS:
        return None
    found = detect(text)
    if found.sure and found.confidence >= FOREIGN_CONFIDENCE and not related(found.language, language):
        return found.language
    return None


def foreign_paragraphs(paragraphs: Iterable[Any], language: str) -> list[dict[str, Any]]:
    """The paragraphs (document.Paragraph, kind "paragraph") clearly in another language than
    `language`, as {"paragraph": index, "language": code}, in the order of the article."""
    return [
        {"paragraph": paragraph.index, "language": found}
        for paragraph in paragraphs
        if paragraph.kind == "paragraph" and (found := foreign_language(paragraph.text, language))
    ]
