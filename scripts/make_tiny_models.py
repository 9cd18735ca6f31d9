"""Build tiny random-weight stand-ins for wirebrief's translation and summary models.

wirebrief normally runs Helsinki-NLP/opus-mt-nl-en (MarianMT, Dutch -> English), a
google/flan-t5 checkpoint (summaries) and, for language pairs without an opus-mt model,
facebook/nllb-200-distilled-600M (M2M100 with language codes); back-translation uses
Helsinki-NLP/opus-mt-en-nl, the reverse direction. The test suite and the
benchmarks cannot reach the Hugging Face hub, so this script fabricates miniature
models with the *same architectures and tokenizer formats* that are never trained: their
weights are random and their output is gibberish by design. What they do exercise
faithfully is the plumbing: ``AutoTokenizer`` / ``AutoModelForSeq2SeqLM`` loading from a
local directory, special token ids, language codes, ``generate`` and decoding, batching
and truncation at ``model_max_length``.

The tokenizers are real sentencepiece models, trained here on a few dozen Dutch and
English sentences embedded below (plus ``examples/article-nl-2025-02.txt`` when the repo
has it), so Dutch diacritics, the euro sign and typographic quotes survive a round trip.

Everything is deterministic: for a given seed and vocabulary size two runs write
byte-identical files, so cached fixtures and benchmark baselines stay comparable.

Usage::

    python scripts/make_tiny_models.py OUT_DIR [--seed N] [--vocab-size N]

writes ``OUT_DIR/translation``, ``OUT_DIR/summary``, ``OUT_DIR/nllb`` and ``OUT_DIR/reverse``
(opus-mt-en-nl's stand-in, for back-translation); tests can import this file and call
:func:`build` instead.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import sentencepiece
import torch
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    GenerationConfig,
    M2M100Config,
    M2M100ForConditionalGeneration,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
    NllbTokenizer,
    PreTrainedModel,
    T5Config,
    T5ForConditionalGeneration,
    T5Tokenizer,
)
from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES
from transformers.utils.logging import disable_progress_bar

REPO_ROOT = Path(__file__).resolve().parent.parent
# Optional real article; appended to the Dutch training text when present so the
# source tokenizer sees the characters the example pipeline will actually feed it.
EXAMPLE_ARTICLE_NL = REPO_ROOT / "examples" / "article-nl-2025-02.txt"

DEFAULT_SEED = 0
# Requested size of each sentencepiece vocabulary. The corpus is far too small to fill
# it; with ``hard_vocab_limit=False`` sentencepiece simply stops at what the text supports.
DEFAULT_VOCAB_SIZE = 1000
# Both real checkpoints accept 512 positions; the tokenizers must truncate at the same point.
MODEL_MAX_LENGTH = 512

# Fixed Marian/opus-mt special tokens. opus-mt vocabularies put </s> at 0, <unk> at 1 and
# <pad> last; pad doubles as the decoder start token.
MARIAN_EOS = "</s>"
MARIAN_UNK = "<unk>"
MARIAN_PAD = "<pad>"

# Text used by the post-build self-check: Dutch diacritics, euro sign, curly and
# straight quotes, digits with a decimal comma.
SELF_CHECK_DUTCH = (
    "Poetin zei: „De NAVO moet stoppen.” Oekraïne krijgt € 2,5 miljard;"
    " ’s avonds was het ‘ruïneus’ voor België."
)
SELF_CHECK_ENGLISH = 'Trump said: "Europe must pay €2.5 billion," according to officials.'

DUTCH_SENTENCES: tuple[str, ...] = (
    "Het kabinet in Den Haag heeft dinsdag een nieuw pakket maatregelen gepresenteerd.",
    "Volgens premier Schoof is de steun aan Oekraïne „niet onderhandelbaar”.",
    "De Amerikaanse president Trump belde woensdag urenlang met Poetin.",
    "NAVO-chef Rutte waarschuwde in Brussel voor een verzwakt Europa.",
    "Rusland vuurde in de nacht van 14 op 15 februari ruim 140 drones af.",
    "De ministers van Buitenlandse Zaken komen maandag bijeen in Brussel.",
    "„We laten ons niet intimideren,” zei de Oekraïense president Zelensky.",
    "De Europese Commissie trekt € 800 miljard uit voor defensie.",
    "Duitsland kiest op 23 februari een nieuwe Bondsdag.",
    "In Parijs overlegden Macron, Starmer en Scholz over een vredesmacht.",
    "De inflatie in de eurozone daalde in januari naar 2,5 procent.",
    "Het CBS meldt dat de werkloosheid is gestegen tot 3,8%.",
    "Minister Brekelmans wil het defensiebudget verhogen naar 2% van het bbp.",
    "Critici noemen het plan ‘naïef’ en 'veel te laat'.",
    "De onderhandelingen in Riyad duurden ruim vier uur.",
    "Europese leiders voelen zich gepasseerd door Washington.",
    "Vicepresident Vance hield in München een opvallende toespraak.",
    "Volgens het Kremlin is een ontmoeting tussen Trump en Poetin „mogelijk”.",
    "De Tweede Kamer debatteert donderdag over de Europese defensie-uitgaven.",
    "Het Internationaal Strafhof in Den Haag onderzoekt oorlogsmisdaden.",
    "Bij een aanval op Charkiv kwamen zeker 5 mensen om het leven.",
    "De gasprijs steeg vrijdag met 7,2 procent tot € 55 per megawattuur.",
    "Oekraïne vraagt om meer luchtafweer, zoals Patriot-systemen.",
    "Het Russische leger rukt langzaam op in de regio Donetsk.",
    "De ambassadeur werd op het ministerie ontboden voor een gesprek.",
    "Coëxistentie tussen de twee landen lijkt voorlopig ver weg.",
    "Een woordvoerder van de NAVO wilde niet reageren op de geruchten.",
    "De beurs in Amsterdam sloot 0,4 procent hoger, de AEX op 912 punten.",
    "In België vielen door de staking honderden treinen uit.",
    "Poetin eist dat Oekraïne afziet van lidmaatschap van de NAVO.",
    "Het Witte Huis sprak van „constructieve gesprekken”.",
    "De Verenigde Staten leverden sinds 2022 voor $ 65 miljard aan wapens.",
    "Ook de Baltische staten maken zich grote zorgen over Rusland.",
    "De EU overweegt bevroren Russische tegoeden te gebruiken voor de wederopbouw.",
    "Op het Malieveld demonstreerden zaterdag duizenden mensen.",
    "Het café aan de Oudegracht was ’s nachts tot 02.00 uur open.",
    "De reële kosten liggen volgens experts twee keer zo hoog.",
    "Zij hebben geen idee wat er achter gesloten deuren is besproken.",
    "Een Europese vredesmacht van 30.000 militairen is volgens Londen haalbaar.",
    "Zelensky: „Zonder Europa aan tafel is er geen akkoord.”",
    "Het KNMI verwacht vannacht strenge vorst, tot -8 °C.",
    "Schiphol telde vorig jaar 66,8 miljoen passagiers.",
    "De Duitse CDU van Friedrich Merz werd de grootste partij.",
    "Oud-premier Rutte sprak van een „beslissend moment voor Europa”.",
    "Wat betekent dit akkoord voor Nederland? Het antwoord is nog onduidelijk.",
    "Het parlement in Kyiv stemde met 268 tegen 12 stemmen voor de wet.",
    "Trump dreigt met importheffingen van 25% op staal en aluminium.",
    "Lees ook: vijf vragen over de oorlog in Oekraïne (en de antwoorden).",
)

ENGLISH_SENTENCES: tuple[str, ...] = (
    "The Dutch cabinet presented a new package of measures on Tuesday.",
    'According to the prime minister, support for Ukraine is "not negotiable".',
    "President Trump spoke with Putin by phone for more than an hour.",
    "NATO chief Rutte warned in Brussels against a weakened Europe.",
    "Russia launched more than 140 drones overnight, Ukraine's air force said.",
    "Foreign ministers will meet in Brussels on Monday.",
    '"We will not be intimidated," said Ukrainian President Zelensky.',
    "The European Commission plans to spend €800 billion on defence.",
    "Germany elects a new Bundestag on 23 February.",
    "In Paris, Macron, Starmer and Scholz discussed a peacekeeping force.",
    "Inflation in the eurozone fell to 2.5 percent in January.",
    "Statistics Netherlands reported that unemployment rose to 3.8%.",
    "The minister wants to raise defence spending to 2% of GDP.",
    "Critics called the plan 'naive' and 'far too late'.",
    "The talks in Riyadh lasted more than four hours.",
    "European leaders feel sidelined by Washington.",
    "Vice President Vance gave a striking speech in Munich.",
    'The Kremlin said a meeting between Trump and Putin was "possible".',
    "Parliament will debate European defence spending on Thursday.",
    "The International Criminal Court in The Hague is investigating war crimes.",
    "At least 5 people were killed in an attack on Kharkiv.",
    "Gas prices rose 7.2 percent on Friday to €55 per megawatt hour.",
    "Ukraine is asking for more air defence, such as Patriot systems.",
    "The Russian army is slowly advancing in the Donetsk region.",
    "The ambassador was summoned to the ministry for talks.",
    "A NATO spokesperson declined to comment on the rumours.",
    "The Amsterdam stock exchange closed 0.4 percent higher.",
    "Hundreds of trains were cancelled in Belgium because of the strike.",
    "Putin demands that Ukraine give up its bid to join NATO.",
    'The White House described the talks as "constructive".',
    "The United States has supplied $65 billion in weapons since 2022.",
    "The Baltic states are also deeply worried about Russia.",
    "The EU is considering using frozen Russian assets for reconstruction.",
    "Thousands of people demonstrated in The Hague on Saturday.",
    "Experts say the real costs are twice as high.",
    "Nobody knows what was discussed behind closed doors.",
    "London says a European force of 30,000 troops is feasible.",
    'Zelensky: "Without Europe at the table, there is no deal."',
    "Forecasters expect a hard frost tonight, down to -8 °C.",
    "Schiphol handled 66.8 million passengers last year.",
    "Friedrich Merz's CDU became the largest party in Germany.",
    'Rutte spoke of a "decisive moment for Europe".',
    "What does this deal mean for the Netherlands? The answer is still unclear.",
    "The parliament in Kyiv passed the law by 268 votes to 12.",
    "Trump is threatening 25% tariffs on steel and aluminium.",
    "Summary: the war in Ukraine enters its fourth year; talks continue.",
    "Read more: five questions about the war (and the answers).",
)


def dutch_training_lines() -> list[str]:
    """Embedded Dutch sentences, followed by the example article's lines if it exists."""
    lines = list(DUTCH_SENTENCES)
    if EXAMPLE_ARTICLE_NL.is_file():
        article = EXAMPLE_ARTICLE_NL.read_text(encoding="utf-8")
        lines.extend(line.strip() for line in article.splitlines() if line.strip())
    return lines


def train_sentencepiece(
    lines: Iterable[str], vocab_size: int, model_type: str = "unigram", **special_ids: int
) -> bytes:
    """Train a sentencepiece model in memory and return its serialized proto.

    ``special_ids`` are passed straight to the trainer (``unk_id``, ``eos_id``, ...),
    because Marian, T5 and NLLB disagree on where the special pieces live. Marian and T5
    use unigram models; NLLB's is BPE, and its tokenizer can only rebuild a BPE one.
    """
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines)),
        model_writer=model,
        model_type=model_type,
        vocab_size=vocab_size,
        # The corpus is tiny: let the trainer settle on fewer pieces instead of failing.
        hard_vocab_limit=False,
        # Keep every character seen (ë, ï, €, „ ”) rather than mapping rare ones to <unk>.
        character_coverage=1.0,
        # Determinism: a single thread, no sampling and no shuffling of the input.
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        # The trainer is chatty on stderr; only warnings and errors are useful here.
        minloglevel=2,
        **special_ids,
    )
    return model.getvalue()


def load_sentencepiece(proto: bytes) -> sentencepiece.SentencePieceProcessor:
    """Load a serialized sentencepiece model without going through a file."""
    processor = sentencepiece.SentencePieceProcessor()
    processor.LoadFromSerializedProto(proto)
    return processor


def marian_vocab(
    source: sentencepiece.SentencePieceProcessor, target: sentencepiece.SentencePieceProcessor
) -> dict[str, int]:
    """Joint Marian vocabulary in opus-mt layout: ``</s>``=0, ``<unk>``=1, pieces, ``<pad>`` last.

    MarianTokenizer maps sentencepiece *pieces* (not spm ids) through this table for both
    languages, so it has to contain every piece of both models.
    """
    vocab: dict[str, int] = {MARIAN_EOS: 0, MARIAN_UNK: 1}
    for processor in (source, target):
        for piece_id in range(processor.GetPieceSize()):
            piece = processor.IdToPiece(piece_id)
            if piece not in vocab:
                vocab[piece] = len(vocab)
    vocab[MARIAN_PAD] = len(vocab)
    return vocab


def build_translation(out_dir: Path, seed: int, vocab_size: int) -> None:
    """Write a tiny opus-mt-nl-en look-alike (MarianMTModel + MarianTokenizer) to ``out_dir``."""
    build_marian(out_dir, seed, vocab_size, reverse=False)


def build_reverse(out_dir: Path, seed: int, vocab_size: int) -> None:
    """Write a tiny opus-mt-en-nl look-alike: the translation model with its sides swapped.

    Back-translation (``--verify back``) sends English translations back to Dutch with the
    reverse model from the routing table; this is its stand-in. Same corpora, same seed,
    same architecture; only which language is the source differs.
    """
    build_marian(out_dir, seed, vocab_size, reverse=True)


def build_marian(out_dir: Path, seed: int, vocab_size: int, *, reverse: bool) -> None:
    """Write a tiny Marian model, Dutch -> English, or English -> Dutch when ``reverse``."""
    # Marian's spm models carry no pad/bos; ids inside the spm do not matter because the
    # tokenizer goes through vocab.json, but </s> and <unk> must be real pieces.
    marian_spm_ids = {"unk_id": 0, "eos_id": 1, "bos_id": -1, "pad_id": -1}
    dutch_proto = train_sentencepiece(dutch_training_lines(), vocab_size, **marian_spm_ids)
    english_proto = train_sentencepiece(ENGLISH_SENTENCES, vocab_size, **marian_spm_ids)
    source_proto, target_proto = (english_proto, dutch_proto) if reverse else (dutch_proto, english_proto)
    source_lang, target_lang = ("en", "nl") if reverse else ("nl", "en")
    # The joint vocabulary lists the source pieces first, as opus-mt's do.
    vocab = marian_vocab(load_sentencepiece(source_proto), load_sentencepiece(target_proto))

    # MarianTokenizer only accepts file paths, so stage the raw files and let
    # save_pretrained write the final, canonical set (including tokenizer_config.json).
    with tempfile.TemporaryDirectory(prefix="wirebrief-marian-") as staging_name:
        staging = Path(staging_name)
        (staging / "source.spm").write_bytes(source_proto)
        (staging / "target.spm").write_bytes(target_proto)
        (staging / "vocab.json").write_text(
            json.dumps(vocab, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        tokenizer = MarianTokenizer(
            source_spm=str(staging / "source.spm"),
            target_spm=str(staging / "target.spm"),
            vocab=str(staging / "vocab.json"),
            source_lang=source_lang,
            target_lang=target_lang,
            model_max_length=MODEL_MAX_LENGTH,
        )
        tokenizer.save_pretrained(out_dir)

    pad_id = vocab[MARIAN_PAD]
    eos_id = vocab[MARIAN_EOS]
    # Same switches as opus-mt-nl-en's (and opus-mt-en-nl's) config.json, shrunk to toy dimensions.
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=MODEL_MAX_LENGTH,
        activation_function="swish",
        scale_embedding=True,
        static_position_embeddings=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        normalize_embedding=False,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=eos_id,
    )
    generation_config = GenerationConfig(
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=eos_id,
        # opus-mt never emits <pad>; without this a random model happily would.
        bad_words_ids=[[pad_id]],
        max_length=MODEL_MAX_LENGTH,
        # opus-mt ships num_beams=4; greedy keeps tests and benchmarks cheap.
        num_beams=1,
    )
    # The vocabularies of the two directions have the same size, so one seed would give both
    # the very same weight tensors; a different one keeps the reverse model from being the
    # forward model under another vocabulary, which a mix-up of the two could hide behind.
    save_random_model(MarianMTModel, config, generation_config, out_dir, seed + 1 if reverse else seed)


def build_summary(out_dir: Path, seed: int, vocab_size: int) -> None:
    """Write a tiny flan-t5 look-alike (T5ForConditionalGeneration + T5Tokenizer) to ``out_dir``."""
    # The real flan-t5 vocabulary covers Dutch diacritics, € and typographic quotes, and the
    # summariser can be handed Dutch fragments (names, quotes) the translation kept, so the
    # stand-in is trained on both languages rather than English alone.
    # T5 expects <pad>=0, </s>=1, <unk>=2 and no <s>.
    # byte_fallback is deliberately off: transformers' T5Tokenizer rebuilds a tokenizers
    # Unigram model with byte_fallback=False, so spm byte pieces would be dead weight and
    # unseen characters would still come out as <unk>.
    proto = train_sentencepiece(
        [*ENGLISH_SENTENCES, *dutch_training_lines()],
        vocab_size,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
    )
    # Ship spiece.model like the hub checkpoints do; it also lets the tokenizer re-save itself.
    spiece_path = out_dir / "spiece.model"
    spiece_path.write_bytes(proto)

    # Sentinel <extra_id_N> tokens only matter for span-corruption pre-training.
    tokenizer_options = {"extra_ids": 0, "model_max_length": MODEL_MAX_LENGTH}
    if hasattr(T5Tokenizer, "convert_to_native_format"):
        # transformers 5: T5Tokenizer is tokenizers-backed and its __init__ does not read
        # spiece.model. convert_to_native_format is the step from_pretrained uses to turn
        # the sentencepiece proto into tokenizers arguments; calling it directly (rather
        # than from_pretrained on a folder) keeps loader-only kwargs such as
        # local_files_only and is_local out of the saved tokenizer_config.json.
        tokenizer = T5Tokenizer(
            **T5Tokenizer.convert_to_native_format(vocab_file=str(spiece_path), **tokenizer_options)
        )
    else:
        # transformers 4 (pyproject allows >=4.46): the slow sentencepiece tokenizer reads
        # spiece.model itself; legacy=False is the behaviour the library recommends.
        tokenizer = T5Tokenizer(vocab_file=str(spiece_path), legacy=False, **tokenizer_options)
    # With transformers 5 this also writes tokenizer.json, so later loads need neither the
    # converter nor the network.
    tokenizer.save_pretrained(out_dir)

    # flan-t5: gated-GELU feed-forward, relative position buckets, and
    # tie_word_embeddings=False, which in transformers 5 means "do not rescale decoder
    # outputs by d_model**-0.5" (the library ties the lm_head to the embeddings anyway).
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=2,
        relative_attention_num_buckets=32,
        relative_attention_max_distance=128,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    generation_config = GenerationConfig(
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        # Not in flan-t5's config, where a trained model simply never picks <pad>. Random
        # weights often do, and a summary made only of <pad> decodes to "", which would
        # make the stand-in look broken to callers that expect some text back.
        bad_words_ids=[[tokenizer.pad_token_id]],
    )
    save_random_model(T5ForConditionalGeneration, config, generation_config, out_dir, seed)


def build_nllb(out_dir: Path, seed: int, vocab_size: int) -> None:
    """Write a tiny nllb-200 look-alike (M2M100ForConditionalGeneration + NllbTokenizer)."""
    # NLLB ships a BPE sentencepiece model in fairseq layout (<unk>=0, <s>=1, </s>=2, no
    # <pad>); the tokenizer moves these to <s>=0, <pad>=1, </s>=2, <unk>=3 and shifts every
    # other piece up by one. One model covers every language, so it learns from both texts.
    proto = train_sentencepiece(
        [*dutch_training_lines(), *ENGLISH_SENTENCES],
        vocab_size,
        model_type="bpe",
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
    )
    spm_path = out_dir / "sentencepiece.bpe.model"
    spm_path.write_bytes(proto)

    # Every code the real tokenizer knows, as special tokens after the pieces: callers pass
    # codes such as nld_Latn or zho_Hans, and a missing one must fail as it would for real.
    language_codes = list(FAIRSEQ_LANGUAGE_CODES)
    tokenizer_options = {"model_max_length": MODEL_MAX_LENGTH}
    if hasattr(NllbTokenizer, "convert_to_native_format"):
        # transformers 5, as for T5 above. The extractor fills additional_special_tokens with
        # the spm control pieces (<s>, </s>), which would replace the language codes the
        # tokenizer defaults to; extra_special_tokens takes precedence, so the codes go there.
        native = NllbTokenizer.convert_to_native_format(vocab_file=str(spm_path), **tokenizer_options)
        native.pop("additional_special_tokens", None)
        tokenizer = NllbTokenizer(**native, extra_special_tokens=language_codes)
    else:
        # transformers 4: the slow sentencepiece tokenizer reads the model file itself.
        tokenizer = NllbTokenizer(
            vocab_file=str(spm_path), additional_special_tokens=language_codes, **tokenizer_options
        )
    tokenizer.save_pretrained(out_dir)

    # nllb-200-distilled-600M's switches, shrunk: pre-norm layers, scaled sinusoidal position
    # embeddings, shared and tied embeddings, and </s> as the decoder start token.
    config = M2M100Config(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=MODEL_MAX_LENGTH,
        activation_function="relu",
        scale_embedding=True,
        tie_word_embeddings=True,
        tokenizer_class="NllbTokenizer",
        bos_token_id=tokenizer.bos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    # No forced_bos_token_id, as in the real checkpoint: the target language is chosen per
    # call. max_length is the real one; wirebrief always passes max_new_tokens.
    generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        max_length=200,
        # As for the other two: a random model would otherwise emit <pad>, which a trained
        # one never does.
        bad_words_ids=[[tokenizer.pad_token_id]],
    )
    save_random_model(M2M100ForConditionalGeneration, config, generation_config, out_dir, seed)


def check_language_codes(model_dir: Path, codes: Sequence[str]) -> None:
    """Reload ``model_dir``'s tokenizer and check that each code is one token that leads the input.

    Raises RuntimeError on a code the tokenizer lacks or does not put in front of the text.
    """
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    for code in codes:
        code_id = tokenizer.convert_tokens_to_ids(code)
        if code_id is None or code_id == tokenizer.unk_token_id:
            raise RuntimeError(f"{model_dir}: language code {code} is not in the vocabulary")
        tokenizer.src_lang = code
        ids = tokenizer(SELF_CHECK_DUTCH)["input_ids"]
        if ids[0] != code_id or ids[-1] != tokenizer.eos_token_id:
            raise RuntimeError(f"{model_dir}: src_lang={code} encodes as {ids[:2]}...{ids[-1:]}")


def save_random_model(
    model_class: type[PreTrainedModel],
    config: MarianConfig | T5Config | M2M100Config,
    generation_config: GenerationConfig,
    out_dir: Path,
    seed: int,
) -> None:
    """Instantiate ``model_class`` with seeded random weights and save it as safetensors."""
    # Seed immediately before construction so the weights do not depend on what ran
    # earlier; fork_rng restores the caller's RNG state (tests importing build()) afterwards.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config)
    model.generation_config = generation_config
    model.save_pretrained(out_dir, safe_serialization=True)


def self_check(model_dir: Path, texts: Sequence[str]) -> str:
    """Reload ``model_dir`` the way wirebrief does, round-trip ``texts``, generate a few tokens.

    Generation starts from ``texts[0]``. Returns the decoded (gibberish) generation;
    raises RuntimeError on any mismatch.
    """
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, use_safetensors=True)

    if tokenizer.model_max_length != MODEL_MAX_LENGTH:
        raise RuntimeError(
            f"{model_dir}: model_max_length is {tokenizer.model_max_length},"
            f" expected {MODEL_MAX_LENGTH}"
        )
    if len(tokenizer) != model.config.vocab_size:
        raise RuntimeError(
            f"{model_dir}: tokenizer has {len(tokenizer)} tokens, model {model.config.vocab_size}"
        )

    # MarianTokenizer in transformers 5 decodes with the *source* spm by default when the
    # vocabulary is shared; for Dutch input that is exactly what a round trip needs.
    for text in texts:
        ids = tokenizer(text)["input_ids"]
        if tokenizer.unk_token_id in ids:
            unknown = [
                token
                for token in tokenizer.convert_ids_to_tokens(ids)
                if token == tokenizer.unk_token
            ]
            raise RuntimeError(
                f"{model_dir}: {len(unknown)} <unk> token(s) in self-check text {text!r}"
            )
        round_trip = tokenizer.decode(ids, skip_special_tokens=True)
        if round_trip != text:
            raise RuntimeError(
                f"{model_dir}: tokenizer round trip changed {text!r} into {round_trip!r}"
            )

    inputs = tokenizer(texts[:1], return_tensors="pt")
    with torch.no_grad():
        generated = model.generate(**inputs, do_sample=False, num_beams=1, max_new_tokens=8)
    # +1: encoder-decoder output starts with the decoder start token.
    if generated.shape[0] != 1 or not 1 < generated.shape[1] <= 1 + 8:
        raise RuntimeError(
            f"{model_dir}: unexpected generate() output shape {tuple(generated.shape)}"
        )
    decoded = tokenizer.batch_decode(generated, skip_special_tokens=True)
    if len(decoded) != 1 or not isinstance(decoded[0], str):
        raise RuntimeError(f"{model_dir}: decoding generate() output failed: {decoded!r}")
    return decoded[0]


def build(
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    *,
    reverse: bool = False,
) -> dict[str, Path]:
    """Build the tiny models under ``out_dir`` and self-check them.

    Existing ``translation``/``summary``/``nllb`` subdirectories are replaced, so that stale
    files from an older layout (e.g. a leftover tokenizer.json) cannot change how they load.
    Returns ``{"translation": path, "summary": path, "nllb": path}``, plus ``"reverse"`` when
    ``reverse`` is true (see :func:`build_reverse_model`). The reverse model is opt-in here
    because callers (the test fixtures) rely on exactly these three keys; it is built after
    the others and shares none of their randomness, so they come out byte for byte the same
    either way.
    """
    out_dir = Path(out_dir)
    paths = {
        "translation": out_dir / "translation",
        "summary": out_dir / "summary",
        "nllb": out_dir / "nllb",
    }
    for path in paths.values():
        fresh_folder(path)

    build_translation(paths["translation"], seed, vocab_size)
    build_summary(paths["summary"], seed, vocab_size)
    build_nllb(paths["nllb"], seed, vocab_size)

    self_check(paths["translation"], [SELF_CHECK_DUTCH])
    self_check(paths["summary"], [SELF_CHECK_ENGLISH, SELF_CHECK_DUTCH])
    self_check(paths["nllb"], [SELF_CHECK_DUTCH, SELF_CHECK_ENGLISH])
    check_language_codes(paths["nllb"], ["nld_Latn", "eng_Latn", "deu_Latn", "zho_Hans"])
    if reverse:
        paths["reverse"] = build_reverse_model(out_dir, seed, vocab_size)
    return paths


def build_reverse_model(
    out_dir: Path, seed: int = DEFAULT_SEED, vocab_size: int = DEFAULT_VOCAB_SIZE
) -> Path:
    """Build (replacing it) and self-check ``out_dir/reverse``, the English -> Dutch model."""
    path = Path(out_dir) / "reverse"
    fresh_folder(path)
    build_reverse(path, seed, vocab_size)
    self_check(path, [SELF_CHECK_ENGLISH])
    return path


def fresh_folder(path: Path) -> None:
    """An empty folder at ``path``, whatever was there before."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def main(argv: Sequence[str] | None = None) -> int:
    # Progress bars for a 200 kB checkpoint are noise on the command line.
    disable_progress_bar()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "out_dir", type=Path, help="directory to write translation/, summary/, nllb/ and reverse/ into"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="torch seed for the random weights"
    )
    parser.add_argument(
        "--vocab-size",
        type=int,
        default=DEFAULT_VOCAB_SIZE,
        help="requested size of each sentencepiece vocabulary (small text yields fewer pieces)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    paths = build(args.out_dir, seed=args.seed, vocab_size=args.vocab_size, reverse=True)
    for name, path in paths.items():
        print(f"{name}: {path}")
    print(f"built and self-checked in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
