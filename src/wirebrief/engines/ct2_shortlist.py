"""A target-vocabulary shortlist for Marian (opus-mt) models under CTranslate2.

opus-mt models share one vocabulary between both languages (67,028 ids for nl-en), but their
training targets were always cut by the target SentencePiece model alone, so an output only
ever consists of target pieces. Every decoding step still scores the whole shared vocabulary
for every hypothesis; with a vocabulary map CTranslate2 scores only the listed tokens.

The list is written at conversion as CTranslate2's vocabulary map: one line with an empty
source n-gram, whose tokens are candidates at every step whatever the input. Translating with
`use_vmap=True` then restricts the output projection and softmax to them. The softmax is
normalised over the listed tokens only, so a model that gives the other pieces any
probability at all can decode differently (random-weight models do, on every sentence):
the shortlist is part of what an engine computes, and of its cache key.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wirebrief.models import ModelRef

#: The file CTranslate2 reads a vocabulary map from inside a converted model folder (the
#: converter's `vmap=` copies its argument to this name).
VMAP_FILE = "vmap.txt"
#: Marian's SentencePiece models, one per side (MarianTokenizer's file names).
_SOURCE_SPM, _TARGET_SPM = "source.spm", "target.spm"


def has_target_vocabulary(ref: ModelRef) -> bool:
    """Whether the model has a target SentencePiece model of its own beside the source one,
    from its files alone (no tokenizer, no weights): what decides whether a shortlist is
    used, and so its cache key, before anything loads. `engines.known_cache_key` asks the same.
    """
    if ref.is_local:
        source, target = Path(ref.location) / _SOURCE_SPM, Path(ref.location) / _TARGET_SPM
    else:
        from huggingface_hub import try_to_load_from_cache

        found = [try_to_load_from_cache(ref.location, name) for name in (_SOURCE_SPM, _TARGET_SPM)]
        if not all(isinstance(path, str) for path in found):
            return False
        source, target = (Path(path) for path in found)
    try:
        return source.is_file() and target.is_file() and source.read_bytes() != target.read_bytes()
    except OSError:
        return False


def keyed_precision(compute_type: str, shortlisted: bool) -> str:
    """The precision part of a CTranslate2 engine's cache key: a shortlist changes outputs."""
    return f"{compute_type}+shortlist" if shortlisted else compute_type


def target_shortlist(tokenizer: Any) -> list[str] | None:
    """The tokens a Marian model's output can consist of, in vocabulary order, or None.

    They are the pieces of the target SentencePiece model that are in the shared vocabulary,
    plus the end and unknown tokens. The decoder-start <pad> is left out: the converter drops
    it from the vocabulary and transformers bans it. None where the tokenizer has no target
    SentencePiece model over a shared vocabulary.
    """
    target = getattr(tokenizer, "spm_target", None)
    vocabulary = getattr(tokenizer, "encoder", None)
    if target is None or not isinstance(vocabulary, dict) or getattr(tokenizer, "separate_vocabs", False):
        return None
    pieces = {target.id_to_piece(index) for index in range(target.get_piece_size())}
    specials = {str(token) for token in (tokenizer.eos_token, tokenizer.unk_token) if token is not None}
    pad = None if tokenizer.pad_token is None else str(tokenizer.pad_token)
    kept = [token for token in vocabulary if (token in pieces or token in specials) and token != pad]
    if not kept:
        return None
    return sorted(kept, key=vocabulary.__getitem__)


def write_vocabulary_map(folder: Path, tokens: Iterable[str]) -> None:
    """Write `tokens` as the always-included candidates of `folder`'s vocabulary map."""
    (folder / VMAP_FILE).write_text("\t" + " ".join(tokens) + "\n", encoding="utf-8")
