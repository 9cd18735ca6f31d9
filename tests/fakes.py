"""A deterministic fake engine, so pipeline logic can be tested without a model.

`FakeEngine` implements the `Engine` protocol of `wirebrief.engines.base` with rules simple enough to
predict in a test:

- A token is a whitespace-separated word, plus one for the end-of-sequence token:
  ``count_tokens(["a b c"]) == [4]``.
- A text that starts with a known prompt prefix (by default, the part before ``$text`` of every
  packaged prompt) is a summary request: the output is the first `summary_words` words of the
  text after the prefix.
- Any other text is "translated" to ``EN(<text>)``: visibly not a translation, the same number
  of words as the source, and reversible with `untranslate`.
- An output longer than ``params.cap_for(input tokens)`` words is cut to that many words and
  marked ``hit_limit=True``, as a model that runs into its length cap would be.
- A text to translate that contains one of the `loop_on` substrings "loops": its output repeats
  forever, so it always runs into its cap. Split the text so the substring is no longer whole,
  and it stops. (Summary requests never loop, so one engine can serve both roles in a brief.)
- An input over `max_input_tokens` is refused with `GenerationError`, as the real engine does,
  so a caller that would silently truncate fails loudly.

Every `generate` call is recorded in `calls` (texts and params), to assert on batching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wirebrief.engines.base import Engine, Generation, GenerationParams, ProgressCallback
from wirebrief.errors import GenerationError

_MARKED = re.compile(r"EN\((.*?)\)(?=\s+EN\(|\s*$)", re.DOTALL)


def fake_translation(text: str) -> str:
    """What the fake engine makes of a text that is not a summary prompt."""
    return f"EN({text})"


def untranslate(translation: str) -> str:
    """The source text back from a (possibly multi-piece) fake translation.

    A sentence translated in pieces reads ``EN(piece one) EN(piece two)``; this returns
    ``piece one piece two``.
    """
    pieces = _MARKED.findall(translation)
    if not pieces:
        raise ValueError(f"not a fake translation: {translation!r}")
    return " ".join(pieces)


def packaged_prompt_prefixes() -> tuple[str, ...]:
    """The text each packaged prompt puts before ``$text``: how the fake spots a summary request."""
    from wirebrief.prompts import load_prompts

    return tuple(prompt.template.template.split("$text")[0] for prompt in load_prompts().values())


@dataclass(frozen=True)
class Call:
    """One recorded `generate` call."""

    texts: tuple[str, ...]
    params: GenerationParams


class FakeEngine(Engine):
    """A deterministic stand-in for `HuggingFaceEngine`; see the module docstring for its rules."""

    def __init__(
        self,
        *,
        max_input_tokens: int = 512,
        summary_words: int = 20,
        loop_on: Iterable[str] = (),
        prompt_prefixes: Iterable[str] | None = None,
        model: str = "fake/engine",
    ) -> None:
        self.model = model
        self.max_input_tokens = max_input_tokens
        self.summary_words = summary_words
        self.loop_on = frozenset(loop_on)
        prefixes = packaged_prompt_prefixes() if prompt_prefixes is None else tuple(prompt_prefixes)
        # Longest first, so that a prefix which begins another one never shadows it.
        self.prompt_prefixes = tuple(sorted(prefixes, key=len, reverse=True))
        self.calls: list[Call] = []

    # -- the Engine protocol ------------------------------------------------------------------

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + 1 for text in texts]

    def generate(
        self,
        texts: Sequence[str],
        params: GenerationParams,
        progress: ProgressCallback | None = None,
    ) -> list[Generation]:
        self.calls.append(Call(tuple(texts), params))
        lengths = self.count_tokens(texts)
        for text, length in zip(texts, lengths, strict=True):
            if length > self.max_input_tokens:
                raise GenerationError(
                    f"fake engine: an input of {length} tokens exceeds {self.max_input_tokens}: {text[:60]!r}"
                )
        results = [
            self._generate_one(text, length, params) for text, length in zip(texts, lengths, strict=True)
        ]
        if progress is not None:
            progress(len(texts))
        return results

    def describe(self) -> dict[str, Any]:
        return {"engine": "fake", "model": self.model, "device": "cpu", "dtype": "none"}

    def cache_key(self) -> str:
        return f"fake:{self.model}"

    # -- helpers for tests --------------------------------------------------------------------

    @property
    def generated_texts(self) -> list[str]:
        """Every text sent to `generate`, over all calls, in order."""
        return [text for call in self.calls for text in call.texts]

    def is_summary_request(self, text: str) -> bool:
        return any(text.startswith(prefix) for prefix in self.prompt_prefixes)

    def loops(self, text: str) -> bool:
        return not self.is_summary_request(text) and any(trigger in text for trigger in self.loop_on)

    # -- internals ----------------------------------------------------------------------------

    def _generate_one(self, text: str, input_tokens: int, params: GenerationParams) -> Generation:
        cap = params.cap_for(input_tokens)
        words = self._output(text).split()
        if self.loops(text):
            # A model stuck in a loop repeats itself until it runs into its cap.
            words = (words * (cap // max(1, len(words)) + 2))[: cap + 1]
        hit_limit = len(words) > cap
        words = words[:cap]
        return Generation(
            text=" ".join(words), input_tokens=input_tokens, output_tokens=len(words), hit_limit=hit_limit
        )

    def _output(self, text: str) -> str:
        for prefix in self.prompt_prefixes:
            if text.startswith(prefix):
                return " ".join(text[len(prefix) :].split()[: self.summary_words])
        return fake_translation(text)


def load_script(name: str):
    """scripts/<name>.py as a module (scripts are not a package), registered under its name
    while it loads, as dataclasses need."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def filled_cache(path, texts: list[str], params):
    """A generation cache at `path` holding FakeEngine's outputs for `texts`: a node's cache
    for the merge tests."""
    from wirebrief.engines.cache import CachedEngine, GenerationCache

    engine = CachedEngine(FakeEngine(prompt_prefixes=()), GenerationCache(path))
    engine.generate(texts, params)
    engine.cache.close()
    return path
