"""The CTranslate2 engine: same contract and, in float32 greedy, the same outputs as torch.

The model tests convert the tiny random-weight models of scripts/make_tiny_models.py into a
module-scoped folder and compare against HuggingFaceEngine on the example article. Random
models never emit EOS, so every output runs to its cap: exactly where the two engines' length
conventions could disagree.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_engine_rows import one_at_a_time, split_by_an_end_token

from wirebrief.engines import batching as engine_module
from wirebrief.engines.base import GenerationParams
from wirebrief.engines.ct2 import (
    INSTALL_HINT,
    CTranslate2Engine,
    resolve_compute_type,
    safe_name,
    storage_quantization,
)
from wirebrief.engines.torch import HuggingFaceEngine
from wirebrief.errors import GenerationError, ModelError, ModelNotFoundError, UsageError
from wirebrief.inputs.document import parse
from wirebrief.models import ModelRef, fingerprint, resolve
from wirebrief.translation import translation_params

TRANSLATION = translation_params(num_beams=1)
SUMMARY = GenerationParams(max_new_tokens=32)


# --------------------------------------------------------------------------------------------
# Fixtures: each engine built once per module


@pytest.fixture(scope="module")
def convert_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2-models")


@pytest.fixture(scope="module")
def article(example_path):
    return parse(example_path.read_text(encoding="utf-8"), language="nl")


@pytest.fixture(scope="module")
def sentences(article) -> list[str]:
    return [sentence for paragraph in article.paragraphs for sentence in paragraph.sentences]


@pytest.fixture(scope="module")
def prompts(article) -> list[str]:
    return ["summarize: " + paragraph.text for paragraph in article.paragraphs[:4]]


@pytest.fixture(scope="module")
def marian_torch(tiny_models) -> HuggingFaceEngine:
    return HuggingFaceEngine(
        resolve(str(tiny_models["translation"])), device="cpu", dtype="float32", offline=True
    )


@pytest.fixture(scope="module")
def marian(tiny_models, convert_root) -> CTranslate2Engine:
    return CTranslate2Engine(
        resolve(str(tiny_models["translation"])),
        compute_type="float32",
        offline=True,
        convert_root=convert_root,
    )


@pytest.fixture(scope="module")
def marian_reference(tiny_models, sentences):
    """HuggingFaceEngine's float32 greedy translations, one sentence per call (no batching, no
    caps shared in a batch): the expected outputs."""
    alone = HuggingFaceEngine(
        resolve(str(tiny_models["translation"])), device="cpu", dtype="float32", offline=True
    )
    alone.batch_size = 1
    return alone.generate(sentences, TRANSLATION)


@pytest.fixture(scope="module")
def t5(tiny_models, convert_root) -> CTranslate2Engine:
    return CTranslate2Engine(
        resolve(str(tiny_models["summary"])),
        role="summary",
        compute_type="float32",
        offline=True,
        convert_root=convert_root,
    )


def as_tuples(generations):
    return [(g.text, g.input_tokens, g.output_tokens, g.hit_limit) for g in generations]


# --------------------------------------------------------------------------------------------
# Same outputs as torch


@pytest.mark.model
def test_marian_float32_matches_torch_on_every_sentence(marian, marian_torch, marian_reference, sentences):
    done: list[int] = []
    results = marian.generate(sentences, TRANSLATION, progress=done.append)

    assert as_tuples(results) == as_tuples(marian_reference)
    assert sum(done) == len(sentences)
    assert marian.count_tokens(sentences) == marian_torch.count_tokens(sentences)
    # The random model never finishes, so every text runs into its cap: Marian's forced EOS
    # takes the last slot, leaving cap - 1 text tokens.
    assert all(r.hit_limit for r in results)
    assert all(r.output_tokens == TRANSLATION.cap_for(r.input_tokens) - 1 for r in results)
    assert all(r.text for r in results)


@pytest.mark.model
def test_t5_float32_matches_torch(t5, tiny_models, prompts):
    torch_engine = HuggingFaceEngine(
        resolve(str(tiny_models["summary"])), role="summary", device="cpu", dtype="float32", offline=True
    )
    expected = torch_engine.generate(prompts, SUMMARY)
    results = t5.generate(prompts, SUMMARY)

    assert as_tuples(results) == as_tuples(expected)
    # No forced EOS in T5: a text cut at its cap has all cap tokens.
    assert all(r.output_tokens == SUMMARY.max_new_tokens and r.hit_limit for r in results)


@pytest.mark.model
@pytest.mark.parametrize("role", ["translation", "summary"])
def test_beam_search_matches_torch(role, tiny_models, convert_root, sentences, prompts):
    """Beam search compares scores across hypotheses, so it sees what greedy decoding cannot:
    the scale of the logits. transformers 5 hides T5's "do not scale the output" switch from
    CTranslate2's converter; unless the engine corrects it, the converted T5 has logits flattened
    by sqrt(d_model) and its beams rank differently.

    (With no_repeat_ngram_size or min_new_tokens the two libraries may still differ in beam
    search: CTranslate2 bans tokens before the softmax, transformers after it.)
    """
    ref = resolve(str(tiny_models[role]))
    texts = sentences[:6] if role == "translation" else prompts
    params = GenerationParams(max_new_tokens=24, num_beams=4)
    torch_engine = HuggingFaceEngine(ref, role=role, device="cpu", dtype="float32", offline=True)
    engine = CTranslate2Engine(
        ref, role=role, compute_type="float32", offline=True, convert_root=convert_root
    )

    assert as_tuples(engine.generate(texts, params)) == as_tuples(torch_engine.generate(texts, params))


# --------------------------------------------------------------------------------------------
# Batching and order


@pytest.mark.model
def test_batch_size_one_and_shuffled_input_give_the_same_results(
    marian, marian_reference, tiny_models, convert_root, sentences
):
    one_by_one = CTranslate2Engine(
        resolve(str(tiny_models["translation"])),
        compute_type="float32",
        offline=True,
        convert_root=convert_root,
        batch_size=1,
    )
    batches: list[int] = []
    assert as_tuples(one_by_one.generate(sentences, TRANSLATION, progress=batches.append)) == as_tuples(
        marian_reference
    )
    assert batches == [1] * len(sentences)

    expected = dict(zip(sentences, as_tuples(marian_reference)))
    shuffled = list(sentences)
    random.Random(7).shuffle(shuffled)
    assert as_tuples(marian.generate(shuffled, TRANSLATION)) == [expected[s] for s in shuffled]


@pytest.mark.model
def test_greedy_batches_mix_caps_and_stop_each_text_at_its_own(marian, marian_reference, sentences, monkeypatch):
    """Greedy decoding puts texts with different caps in one call (a step callback ends each row
    at its cap); the outputs are torch's one sentence at a time, token for token."""
    # One padding bucket for every sentence, so that caps are all a batch tells apart.
    monkeypatch.setattr(engine_module, "PAD_STEP", 128)
    caps = {TRANSLATION.cap_for(n) for n in marian.count_tokens(sentences)}
    assert len(caps) > 2  # the example's sentences need several caps
    batches: list[int] = []
    results = marian.generate(sentences, TRANSLATION, progress=batches.append)

    assert as_tuples(results) == as_tuples(marian_reference)
    assert len(batches) < len(caps)


@pytest.mark.model
def test_greedy_rows_that_end_before_their_caps_match_torch_alone(
    marian, tiny_models, sentences, monkeypatch
):
    """With a token the model picks made an end token too (random weights never pick EOS), some
    rows of one mixed call end before their caps and are dropped from the batch while the rest
    go on: the outputs must still be torch's, one sentence at a time."""
    torch_alone = HuggingFaceEngine(
        resolve(str(tiny_models["translation"])), device="cpu", dtype="float32", offline=True
    )
    end_id = split_by_an_end_token(torch_alone, sentences, TRANSLATION, monkeypatch)
    expected, _ = one_at_a_time(torch_alone, sentences, TRANSLATION)
    marian.load()
    end_token = torch_alone._tokenizer.convert_ids_to_tokens(end_id)
    monkeypatch.setattr(marian, "_end_tokens", [*marian._end_tokens, end_token])
    # One padding bucket for every sentence, so that they share one call.
    monkeypatch.setattr(engine_module, "PAD_STEP", 128)
    batches: list[int] = []

    assert as_tuples(marian.generate(sentences, TRANSLATION, progress=batches.append)) == as_tuples(expected)
    assert batches == [len(sentences)]
    early = [r for r in expected if not r.hit_limit]
    assert early and len(early) < len(expected), "some rows end early, some run to their caps"


@pytest.mark.model
def test_beam_search_keeps_one_cap_per_batch(marian, sentences):
    params = translation_params(num_beams=2)
    assert len({params.cap_for(n) for n in marian.count_tokens(sentences)}) > 2
    calls: list[list[int]] = []
    real = marian._translate

    def spy(sources, caps, minimum, params):
        calls.append(list(caps))
        return real(sources, caps, minimum, params)

    marian._translate = spy
    try:
        results = marian.generate(sentences, params)
    finally:
        del marian._translate
    assert calls and all(len(set(caps)) == 1 for caps in calls)
    assert sum(len(caps) for caps in calls) == len(sentences)
    assert all(r.output_tokens == params.cap_for(r.input_tokens) - 1 for r in results)


@pytest.mark.model
def test_a_mixed_batch_with_minimums_above_some_caps_matches_torch(marian, marian_torch, sentences, monkeypatch):
    """min_new_tokens counts up to a text's own cap, so a batch whose caps straddle it decodes in
    one call per minimum; the outputs stay torch's."""
    # One padding bucket for every sentence, so that caps 16 and 32 can share a batch.
    monkeypatch.setattr(engine_module, "PAD_STEP", 128)
    params = GenerationParams(max_new_tokens=64, min_new_tokens=20, length_ratio=0.5)
    texts = sentences[:12]
    assert len({params.cap_for(n) for n in marian.count_tokens(texts)}) > 1
    planned: list[list[int]] = []
    calls: list[int] = []
    marian.load(1)  # the Translator of one call at a time, which greedy decoding uses
    real_batch, real = marian._submit_batch, marian._translator

    def spy_batch(sources, caps, params):
        planned.append(list(caps))
        return real_batch(sources, caps, params)

    class Spy:
        def translate_batch(self, source, **options):
            calls.append(options["min_decoding_length"])
            return real.translate_batch(source, **options)

    marian._submit_batch, marian._translator = spy_batch, Spy()
    try:
        results = marian.generate(texts, params)
    finally:
        del marian._submit_batch
        marian._translator = real
    marian_torch.batch_size = 1
    try:
        assert as_tuples(results) == as_tuples(marian_torch.generate(texts, params))
    finally:
        marian_torch.batch_size = None
    # One planned batch held caps on both sides of the minimum, and was decoded in two calls.
    assert len(planned) == 1 and min(planned[0]) == 16 and max(planned[0]) > 21
    assert sorted(calls) == [15, 20]  # a cap of 16 leaves 15 text tokens beside the forced EOS


@pytest.mark.model
def test_out_of_memory_halves_the_batch_and_keeps_order(
    tiny_models, convert_root, sentences, marian_reference
):
    engine = CTranslate2Engine(
        resolve(str(tiny_models["translation"])),
        compute_type="float32",
        offline=True,
        convert_root=convert_root,
    )
    engine.load()
    real = engine._translator
    sizes: list[int] = []

    class SmallCard:
        """Delegates to the real translator, failing the way CUDA does above three texts."""

        def translate_batch(self, source, **options):
            if len(source) > 3:
                raise RuntimeError("CUDA failed with error out of memory")
            # Rows of the batch's padded length only there to pad it (all end tokens) not counted.
            sizes.append(sum(1 for row in source if set(row) != {"</s>"}))
            return real.translate_batch(source, **options)

    engine._translator = SmallCard()
    budget = engine.max_batch_tokens
    assert as_tuples(engine.generate(sentences, TRANSLATION)) == as_tuples(marian_reference)
    assert max(sizes) <= 3 and sum(sizes) == len(sentences)
    assert engine.max_batch_tokens < budget

    class NoRoom:
        def translate_batch(self, source, **options):
            raise RuntimeError("CUDA failed with error out of memory")

    engine._translator = NoRoom()
    with pytest.raises(GenerationError, match="out of memory"):
        engine.generate(sentences[:1], TRANSLATION)


# --------------------------------------------------------------------------------------------
# Lazy loading, conversion once, atomically


@pytest.mark.model
def test_constructor_does_not_convert_or_load_and_a_second_engine_reuses_the_conversion(
    tiny_models, tmp_path, monkeypatch, prompts
):
    import ctranslate2.converters

    conversions: list[str] = []
    real_converter = ctranslate2.converters.TransformersConverter

    class CountingConverter(real_converter):
        def convert(self, output_dir, *args, **kwargs):
            conversions.append(output_dir)
            return super().convert(output_dir, *args, **kwargs)

    monkeypatch.setattr(ctranslate2.converters, "TransformersConverter", CountingConverter)
    ref = resolve(str(tiny_models["summary"]))
    root = tmp_path / "converted"
    engine = CTranslate2Engine(ref, role="summary", compute_type="float32", offline=True, convert_root=root)

    assert not engine.loaded
    assert not root.exists()
    described = engine.describe()
    assert described["converted_path"] is None and described["load_seconds"] is None
    assert described["engine"] == "CTranslate2" and described["compute_type"] == "float32"
    assert described["dtype"] == "float32" and described["device"] == "cpu"
    assert engine.cache_key() == f"ctranslate2:float32:{fingerprint(ref)}"
    assert not engine.loaded, "describe and cache_key must not load"

    first = engine.generate(prompts[:1], SUMMARY)
    assert engine.loaded and len(conversions) == 1
    target = root / f"{safe_name(fingerprint(ref))}-float32"
    assert engine.converted_path == target and (target / "model.bin").is_file()
    assert engine.describe()["converted_path"] == str(target)
    assert engine.describe()["load_seconds"] is not None
    assert [p.name for p in root.iterdir()] == [target.name], "no staging folder left behind"

    again = CTranslate2Engine(ref, role="summary", compute_type="float32", offline=True, convert_root=root)
    assert again.generate(prompts[:1], SUMMARY) == first
    assert len(conversions) == 1, "the second engine reused the converted folder"


@pytest.mark.model
def test_losing_a_conversion_race_keeps_the_winner_and_discards_the_copy(
    tiny_models, tmp_path, monkeypatch, prompts
):
    ref = resolve(str(tiny_models["summary"]))
    root = tmp_path / "converted"
    target = root / f"{safe_name(fingerprint(ref))}-float32"
    real_run = CTranslate2Engine._run_converter

    def convert_while_another_process_finishes_first(self, source, output, quantization):
        real_run(self, source, output, quantization)
        shutil.copytree(output, target)  # the other process renames its copy in first

    monkeypatch.setattr(CTranslate2Engine, "_run_converter", convert_while_another_process_finishes_first)
    engine = CTranslate2Engine(ref, role="summary", compute_type="float32", offline=True, convert_root=root)
    assert len(engine.generate(prompts[:1], SUMMARY)) == 1
    assert engine.converted_path == target
    assert [p.name for p in root.iterdir()] == [target.name]


@pytest.mark.model
def test_a_failed_conversion_is_a_one_line_model_error(tiny_models, tmp_path, monkeypatch, prompts):
    import ctranslate2.converters

    class Broken(ctranslate2.converters.TransformersConverter):
        def convert(self, output_dir, *args, **kwargs):
            raise ValueError("No conversion is registered for the model configuration FooConfig\nmore detail")

    monkeypatch.setattr(ctranslate2.converters, "TransformersConverter", Broken)
    root = tmp_path / "converted"
    engine = CTranslate2Engine(
        resolve(str(tiny_models["summary"])),
        role="summary",
        compute_type="float32",
        offline=True,
        convert_root=root,
    )
    with pytest.raises(ModelError, match="cannot be converted for CTranslate2: No conversion") as error:
        engine.generate(prompts[:1], SUMMARY)
    assert "\n" not in error.value.one_line()
    assert not engine.loaded
    assert list(root.iterdir()) == [], "the partial conversion is removed"


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.model
def test_an_overlong_input_is_refused_not_truncated(marian):
    with pytest.raises(GenerationError, match="exceeds the 512-token limit"):
        marian.generate(["oorlog " * 600], TRANSLATION)


@pytest.mark.model
@pytest.mark.parametrize("offline", [True, False])
def test_a_missing_model_folder_is_model_not_found(tmp_path, offline):
    ref = ModelRef("gone", str(tmp_path / "gone"), is_local=True)
    with pytest.raises(ModelNotFoundError):
        CTranslate2Engine(ref, offline=offline, convert_root=tmp_path / "converted")


@pytest.mark.model
def test_a_model_that_forces_a_first_token_is_refused(tiny_models, tmp_path):
    """mBART/NLLB-style models would need a target prefix; better no output than a wrong one."""
    import json

    folder = tmp_path / "forced-bos"
    shutil.copytree(tiny_models["translation"], folder)
    config_path = folder / "generation_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config_path.write_text(json.dumps({**config, "forced_bos_token_id": 2}), encoding="utf-8")
    with pytest.raises(ModelError, match="forces a first output token"):
        CTranslate2Engine(resolve(str(folder)), offline=True, convert_root=tmp_path / "converted")


def test_an_unknown_compute_type_is_a_usage_error(tmp_path):
    ref = ModelRef("any", str(tmp_path), is_local=True)
    with pytest.raises(UsageError, match="unknown compute type 'int4'"):
        CTranslate2Engine(ref, compute_type="int4", convert_root=tmp_path)


def test_missing_ctranslate2_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # makes `import ctranslate2` fail
    with pytest.raises(ModelError) as error:
        CTranslate2Engine(ModelRef("any", str(tmp_path), is_local=True), convert_root=tmp_path)
    assert error.value.hint == INSTALL_HINT


def test_a_compute_type_the_device_lacks_is_a_usage_error(tmp_path):
    ctranslate2 = pytest.importorskip("ctranslate2")
    if "float16" in ctranslate2.get_supported_compute_types("cpu"):
        pytest.skip("this CPU runs float16")
    with pytest.raises(UsageError, match="not supported on this cpu"):
        resolve_compute_type("float16", "cpu")


# --------------------------------------------------------------------------------------------
# Compute types


@pytest.mark.model
def test_auto_compute_type_runs_and_returns_one_generation_per_input(
    tiny_models, convert_root, sentences, test_device
):
    """int8 on the CPU (float16 on a GPU): outputs may differ from float32, their shape may not."""
    engine = CTranslate2Engine(
        resolve(str(tiny_models["translation"])), device=test_device, offline=True, convert_root=convert_root
    )
    assert engine.compute_type == ("int8" if test_device == "cpu" else "float16")
    texts = sentences[:12]
    results = engine.generate(texts, TRANSLATION)

    assert len(results) == len(texts)
    assert engine.converted_path is not None
    assert engine.converted_path.name.endswith("-int8" if test_device == "cpu" else "-float16")
    for result, length in zip(results, engine.count_tokens(texts)):
        cap = TRANSLATION.cap_for(length)
        assert result.text
        assert result.input_tokens == length
        assert 0 < result.output_tokens <= cap - 1
        assert not result.hit_limit or result.output_tokens == cap - 1


def test_auto_compute_type_per_device_and_model(monkeypatch):
    ctranslate2 = pytest.importorskip("ctranslate2")
    monkeypatch.setattr(
        ctranslate2,
        "get_supported_compute_types",
        lambda device, *_: {
            "cpu": {"float32", "int8", "int8_float32"},
            "cuda": {
                "float32",
                "float16",
                "bfloat16",
                "int8",
                "int8_float16",
                "int8_bfloat16",
                "int8_float32",
            },
        }[device],
    )
    assert resolve_compute_type("auto", "cpu", "marian") == "int8"
    assert resolve_compute_type("auto", "cuda", "marian") == "float16"
    # T5 overflows float16; bfloat16 is its GPU type.
    assert resolve_compute_type("auto", "cuda", "t5") == "bfloat16"
    assert resolve_compute_type("int8_float16", "cuda", "marian") == "int8_float16"


@pytest.mark.parametrize(
    ("compute_type", "stored"),
    [
        ("float32", "float32"),
        ("int8", "int8"),
        ("int8_float32", "int8"),
        ("int8_float16", "int8"),
        ("int8_bfloat16", "int8"),
        ("float16", "float16"),
        ("bfloat16", "bfloat16"),
    ],
)
def test_storage_quantization(compute_type, stored):
    assert storage_quantization(compute_type) == stored


def test_safe_name_is_one_plain_folder_name():
    assert safe_name("hub:Helsinki-NLP/opus-mt-nl-en@0123abc") == "hub-Helsinki-NLP--opus-mt-nl-en-0123abc"
    assert safe_name("local:abc123") == "local-abc123"
    assert "/" not in safe_name("../../etc") and not safe_name("../../etc").startswith(".")


# --------------------------------------------------------------------------------------------
# No work at import time


def test_importing_the_module_imports_nothing_heavy():
    code = (
        "import sys, wirebrief.engines.ct2\n"
        "heavy = sorted({'ctranslate2', 'torch', 'transformers'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.model
def test_loaded_models_are_released_before_the_interpreter_tears_down(tiny_models, convert_root, sentences):
    """A Translator left for Python's final teardown after a greedy call with a step callback
    sometimes aborts the process there (exit 134): every loaded engine lets go of its model
    at exit, and an engine released that way loads again if asked."""
    from wirebrief.engines import ct2

    engine = CTranslate2Engine(
        resolve(str(tiny_models["translation"])), compute_type="float32", offline=True, convert_root=convert_root
    )
    before = engine.generate(sentences[:6], TRANSLATION)
    assert engine.loaded and engine in ct2._LOADED_ENGINES

    ct2._release_models()
    assert not engine.loaded
    assert as_tuples(engine.generate(sentences[:6], TRANSLATION)) == as_tuples(before)


@pytest.mark.model
def test_a_process_lets_go_of_its_models_at_exit(tiny_models, convert_root, tmp_path):
    """In a real process: a hook registered before wirebrief.engines.ct2 is imported runs after its
    own at exit (atexit runs the last registered first) and finds the model released."""
    script = tmp_path / "exit.py"
    script.write_text(
        "import atexit, sys\n"
        "held = {}\n"
        "atexit.register(lambda: print('released' if held['engine']._translator is None else 'held'))\n"
        "from wirebrief.engines.ct2 import CTranslate2Engine\n"
        "from wirebrief.models import resolve\n"
        "from wirebrief.translation import translation_params\n"
        f"engine = CTranslate2Engine(resolve({str(tiny_models['translation'])!r}), compute_type='float32',"
        f" offline=True, convert_root={str(convert_root)!r})\n"
        "engine.generate(['Een korte zin.', 'Een veel langere zin met meer woorden erin, en nog wat.'],"
        " translation_params())\n"
        "held['engine'] = engine\n"
        "print('loaded' if engine.loaded else 'not loaded')\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["loaded", "released"]


@pytest.mark.model
@pytest.mark.parametrize(("beams", "rows"), [(1, 128), (4, 32)])
def test_cpu_batches_hold_at_most_128_hypotheses_unless_batch_size_is_set(marian, beams, rows):
    """The token budget alone would put 150 short texts, or 54 with 4 beams, in one batch;
    on a CPU a batch holds at most 128 texts x beams. --batch-size still decides when set."""
    texts = [f"Zin nummer {number}." for number in range(rows + 22)]
    params = translation_params(num_beams=beams)
    lengths = marian.count_tokens(texts)
    assert (max(lengths) + params.cap_for(max(lengths))) * len(texts) * beams <= marian.max_batch_tokens
    sizes: list[int] = []
    results = marian.generate(texts, params, progress=sizes.append)
    assert max(sizes) == rows and sum(sizes) == len(texts)
    assert all(r.output_tokens == params.cap_for(r.input_tokens) - 1 for r in results)

    marian.batch_size = len(texts)
    try:
        sizes.clear()
        marian.generate(texts, params, progress=sizes.append)
    finally:
        marian.batch_size = None
    assert max(sizes) > rows
