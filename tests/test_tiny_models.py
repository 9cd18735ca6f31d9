"""The tiny reverse model (English -> Dutch) that back-translation tests run on.

scripts/make_tiny_models.py builds it as opus-mt-en-nl's stand-in: the Marian translation
model with source and target swapped, seeded like the others.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fakes import load_script

ROOT = Path(__file__).resolve().parents[1]


def make_tiny_models():
    return load_script("make_tiny_models")


def digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


@pytest.fixture(scope="module")
def script():
    return make_tiny_models()


@pytest.fixture(scope="module")
def reverse_model(script, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return script.build_reverse_model(tmp_path_factory.mktemp("reverse"), seed=0)


@pytest.mark.model
def test_reverse_model_is_a_marian_model_from_english_to_dutch(reverse_model, tiny_models):
    from transformers import AutoConfig, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(reverse_model)
    config = AutoConfig.from_pretrained(reverse_model)
    assert type(tokenizer).__name__ == "MarianTokenizer"
    assert (tokenizer.source_lang, tokenizer.target_lang) == ("en", "nl")
    assert config.model_type == "marian" and len(tokenizer) == config.vocab_size
    # The forward model's two sentencepiece models, sides swapped.
    forward = tiny_models["translation"]
    assert (reverse_model / "source.spm").read_bytes() == (forward / "target.spm").read_bytes()
    assert (reverse_model / "target.spm").read_bytes() == (forward / "source.spm").read_bytes()


@pytest.mark.model
def test_reverse_model_reads_english_and_writes_dutch_pieces(reverse_model):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(reverse_model)
    model = AutoModelForSeq2SeqLM.from_pretrained(reverse_model, use_safetensors=True)
    english = "Inflation in the eurozone fell to 2.5 percent in January."
    dutch = "De inflatie in de eurozone daalde in januari naar 2,5 procent."
    source_ids = tokenizer(english)["input_ids"]
    target_ids = tokenizer(text_target=dutch)["input_ids"]
    assert tokenizer.unk_token_id not in source_ids and tokenizer.unk_token_id not in target_ids
    generated = model.generate(**tokenizer([english], return_tensors="pt"), max_new_tokens=6)
    assert generated.shape[0] == 1 and generated.shape[1] > 1


@pytest.mark.model
def test_reverse_model_is_reproducible_and_not_the_forward_weights(script, reverse_model, tiny_models, tmp_path):
    again = script.build_reverse_model(tmp_path, seed=0)
    assert digests(again) == digests(reverse_model)
    assert (reverse_model / "model.safetensors").read_bytes() != (
        tiny_models["translation"] / "model.safetensors"
    ).read_bytes()


def test_build_adds_reverse_only_when_asked(script, tmp_path, monkeypatch):
    """build() keeps its three keys (the fixtures rely on them); reverse=True adds the fourth."""
    built = []
    for name in ("build_translation", "build_summary", "build_nllb", "build_reverse"):
        monkeypatch.setattr(script, name, lambda path, seed, vocab, name=name: built.append(name))
    monkeypatch.setattr(script, "self_check", lambda *args: "")
    monkeypatch.setattr(script, "check_language_codes", lambda *args: None)
    assert sorted(script.build(tmp_path / "a")) == ["nllb", "summary", "translation"]
    assert "build_reverse" not in built
    paths = script.build(tmp_path / "b", reverse=True)
    assert sorted(paths) == ["nllb", "reverse", "summary", "translation"]
    assert paths["reverse"] == tmp_path / "b" / "reverse" and built[-1] == "build_reverse"
