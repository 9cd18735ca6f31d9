"""The target-vocabulary shortlist of the CTranslate2 engine (engines/ct2_shortlist.py).

The tiny Marian model has separate Dutch and English SentencePiece models over one shared
vocabulary, as opus-mt does, so its shortlist really restricts. Its weights are random and
its outputs use source pieces freely, so there the shortlist changes outputs; a copy whose
output bias rules the source pieces out (what training does to a real model) shows that the
shortlist then changes nothing, greedy or with beams.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wirebrief.engines.ct2 import CTranslate2Engine
from wirebrief.engines.ct2_shortlist import VMAP_FILE, has_target_vocabulary, target_shortlist
from wirebrief.models import fingerprint, resolve
from wirebrief.translation import translation_params

pytest.importorskip("ctranslate2")


@pytest.fixture(scope="module")
def sentences(example_path) -> list[str]:
    from wirebrief.inputs.document import parse

    article = parse(example_path.read_text(encoding="utf-8"), language="nl")
    return [sentence for paragraph in article.paragraphs for sentence in paragraph.sentences]


def engine(folder: Path, root: Path, *, shortlist: bool, compute_type: str = "float32") -> CTranslate2Engine:
    return CTranslate2Engine(
        resolve(str(folder)), compute_type=compute_type, offline=True, convert_root=root, shortlist=shortlist
    )


def tokenizer(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def test_the_shortlist_is_the_target_pieces_and_the_end_and_unknown_tokens(tiny_models):
    marian = tokenizer(tiny_models["translation"])
    tokens = target_shortlist(marian)
    assert tokens is not None
    vocabulary = marian.get_vocab()
    assert len(tokens) < 0.6 * len(vocabulary)
    assert "</s>" in tokens and "<unk>" in tokens and "<pad>" not in tokens
    pieces = {marian.spm_target.id_to_piece(i) for i in range(marian.spm_target.get_piece_size())}
    assert set(tokens) - {"</s>", "<unk>"} <= pieces
    assert [vocabulary[token] for token in tokens] == sorted(vocabulary[token] for token in tokens)


@pytest.mark.parametrize("role", ["summary", "nllb"])
def test_models_without_a_separate_target_vocabulary_get_none(tiny_models, role):
    assert target_shortlist(tokenizer(tiny_models[role])) is None
    assert not has_target_vocabulary(resolve(str(tiny_models[role])))
    assert has_target_vocabulary(resolve(str(tiny_models["translation"])))


def test_a_marian_model_with_one_spm_for_both_sides_gets_no_shortlist(tiny_models, tmp_path):
    folder = tmp_path / "shared-spm"
    shutil.copytree(tiny_models["translation"], folder)
    shutil.copy(folder / "source.spm", folder / "target.spm")
    assert not has_target_vocabulary(resolve(str(folder)))
    short = engine(folder, tmp_path / "converted", shortlist=True)
    assert short.shortlist is None and "+shortlist" not in short.cache_key()


@pytest.mark.model
def test_a_shortlist_changes_the_key_and_the_folder_and_restricts_the_output(
    tiny_models, tmp_path, sentences
):
    folder = tiny_models["translation"]
    ref = resolve(str(folder))
    plain = engine(folder, tmp_path, shortlist=False)
    short = engine(folder, tmp_path, shortlist=True)
    assert plain.cache_key() == f"ctranslate2:float32:{fingerprint(ref)}"
    assert short.cache_key() == f"ctranslate2:float32+shortlist:{fingerprint(ref)}"
    assert not short.loaded, "the key is known without converting"
    params = translation_params(num_beams=1)
    outputs = short.generate(sentences, params)
    assert short.converted_path is not None and short.converted_path.name.endswith("-float32-shortlist")
    assert (short.converted_path / VMAP_FILE).is_file()
    assert short.describe()["shortlist"] == len(short.shortlist)
    plain.generate(sentences[:1], params)
    assert plain.describe()["shortlist"] is None and not (plain.converted_path / VMAP_FILE).exists()
    allowed = set(short.shortlist)
    marian = tokenizer(folder)
    for output in outputs:
        assert set(marian.convert_ids_to_tokens(marian(text_target=output.text)["input_ids"])) <= allowed


def trained_like_copy(source: Path, destination: Path) -> Path:
    """The tiny Marian model with an output bias of -1e4 on every token outside its
    shortlist: like a trained opus-mt model, it never gives them any probability."""
    import torch
    from transformers import MarianMTModel

    shutil.copytree(source, destination)
    allowed = target_shortlist(tokenizer(source))
    vocabulary = tokenizer(source).get_vocab()
    model = MarianMTModel.from_pretrained(str(source))
    bias = torch.full_like(model.final_logits_bias, -1e4)
    bias[0, [vocabulary[token] for token in allowed]] = 0.0
    model.final_logits_bias.copy_(bias)
    model.save_pretrained(str(destination))
    return destination


@pytest.mark.model
@pytest.mark.parametrize("compute_type", ["float32", "int8"])
@pytest.mark.parametrize("beams", [1, 4])
def test_a_model_that_only_emits_target_pieces_translates_the_same_with_the_shortlist(
    tiny_models, tmp_path, sentences, compute_type, beams
):
    folder = trained_like_copy(tiny_models["translation"], tmp_path / "model")
    params = translation_params(num_beams=beams)
    plain = engine(folder, tmp_path / "converted", shortlist=False, compute_type=compute_type)
    short = engine(folder, tmp_path / "converted", shortlist=True, compute_type=compute_type)
    assert short.generate(sentences, params) == plain.generate(sentences, params)


@pytest.mark.parametrize("chosen", [True, False])
def test_the_setting_reaches_the_engine_and_the_known_cache_key(tiny_models, chosen):
    """`--shortlist` / `shortlist` travels from the settings through the pool to the engine, and
    the key a cache answers with before any engine exists says the same as the engine's own."""
    from dataclasses import replace

    from wirebrief.config import resolve_settings
    from wirebrief.engines import known_cache_key
    from wirebrief.engines.pool import EnginePool

    settings = replace(
        resolve_settings({"translation_model": str(tiny_models["translation"]), "engine": "ctranslate2",
                          "device": "cpu", "use_cache": False}),
        shortlist=chosen,
    )
    assert resolve_settings({}).shortlist is False  # off unless asked for
    with EnginePool(settings) as pool:
        made = pool.get("translation")
        assert made.shortlist is not None if chosen else made.shortlist is None
        ref = resolve(str(tiny_models["translation"]))
        assert known_cache_key(ref, "ctranslate2", "cpu", shortlist=chosen) == made.cache_key()
        assert ("+shortlist" in made.cache_key()) is chosen
