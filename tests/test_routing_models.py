"""Routing on real (tiny) models: the hub ids of the routing table resolved from a Hugging Face
cache, exactly as on a newsroom machine that has pulled them, in a process of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

DUTCH = (
    "Het kabinet heeft dinsdag besloten om de accijns op brandstof volgend jaar niet te verhogen.\n\n"
    "Volgens de minister van Financiën kost die maatregel de schatkist ruim een miljard euro per jaar. "
    "De oppositie noemt het besluit onverantwoord.\n\n"
    "Reactie van de oppositie\n\n"
    "De Tweede Kamer wil er volgende week over debatteren, zeggen de fracties van GroenLinks en PvdA."
)


def put_in_hub_cache(cache: Path, hub_id: str, folder: Path, commit: str = "0" * 40) -> None:
    """Lay out `folder` as the Hugging Face cache keeps a downloaded snapshot of `hub_id`."""
    repo = cache / f"models--{hub_id.replace('/', '--')}"
    shutil.copytree(folder, repo / "snapshots" / commit)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)


@pytest.fixture(scope="module")
def hub_cache(tiny_models, tmp_path_factory) -> Path:
    """A cache holding the tiny models under the names the routing table uses for nl -> de."""
    if "nllb" not in tiny_models:
        pytest.fail("scripts/make_tiny_models.py must build the tiny NLLB model")
    cache = tmp_path_factory.mktemp("hub")
    put_in_hub_cache(cache, "facebook/nllb-200-distilled-600M", tiny_models["nllb"])
    put_in_hub_cache(cache, "Helsinki-NLP/opus-mt-nl-en", tiny_models["translation"])
    # The tiny Marian stands in for English -> German: its output is gibberish either way.
    put_in_hub_cache(cache, "Helsinki-NLP/opus-mt-en-de", tiny_models["translation"])
    return cache


def wirebrief(args: list[str], cache: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "wirebrief", *args], input=stdin, capture_output=True, text=True, env=env, timeout=600,
    )


def test_a_dutch_article_briefed_in_german_gets_every_tier(hub_cache, tiny_models, tmp_path):
    article = tmp_path / "artikel.txt"
    article.write_text(DUTCH, encoding="utf-8")
    result = wirebrief(
        [
            "brief", str(article), "--target-lang", "de", "--format", "json", "--no-cache", "--num-beams", "1",
            "--device", "cpu", "--engine", "torch", "--summary-model", str(tiny_models["summary"]),
        ],
        hub_cache,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    route = data["route"]
    assert (data["source_language"], data["target_language"], data["translated"]) == ("nl", "de", True)
    assert route["translation"]["model"] == "facebook/nllb-200-distilled-600M"
    assert (route["translation"]["source_code"], route["translation"]["target_code"]) == ("nld_Latn", "deu_Latn")
    assert route["summary_input"] == "pivot" and route["pivot"]["model"] == "Helsinki-NLP/opus-mt-nl-en"
    assert route["tiers_translation"]["model"] == "Helsinki-NLP/opus-mt-en-de"
    models = data["provenance"]["models"]
    assert set(models) == {"translation", "pivot", "summary", "tiers"}
    # Each step ran on the model the table named, found in the cache by its hub id.
    assert models["translation"]["model"] == "facebook/nllb-200-distilled-600M"
    assert models["pivot"]["model"] == "Helsinki-NLP/opus-mt-nl-en"
    assert models["tiers"]["model"] == "Helsinki-NLP/opus-mt-en-de"
    assert data["provenance"]["generation"]["translation"]["target_language"] == "deu_Latn"
    summaries = data["summaries"]
    assert list(summaries) == ["headline", "lede", "summary", "key_points"]
    assert all(summaries[name].strip() for name in ("headline", "lede", "summary"))
    assert summaries["key_points"] and all(point.strip() for point in summaries["key_points"])
    # One translated sentence per source sentence, the paragraph structure one-to-one.
    assert [p["source"] for p in data["paragraphs"]] == DUTCH.split("\n\n")
    assert all(s["translation"].strip() for p in data["paragraphs"] for s in p["sentences"])


def test_models_plan_sees_what_is_in_the_cache(hub_cache):
    result = wirebrief(["models", "plan", "--source-lang", "nl", "--target-lang", "de", "--format", "json"], hub_cache)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan["translation"]["present"] and plan["pivot"]["present"] and plan["tiers_translation"]["present"]
    assert plan["summary_model"]["present"] is False  # flan-t5-large was never put there
    missing = wirebrief(["models", "plan", "--source-lang", "fr", "--target-lang", "en", "--format", "json"], hub_cache)
    assert json.loads(missing.stdout)["plan"]["translation"]["present"] is False


def test_an_english_text_into_german_summarises_the_source_and_translates_the_tiers(hub_cache, tiny_models):
    english = (
        "The government decided on Tuesday not to raise fuel duty next year, the finance minister said.\n\n"
        "The measure costs the treasury more than a billion euros a year, according to the ministry."
    )
    result = wirebrief(
        [
            "brief", "-", "--target-lang", "de", "--tiers", "headline", "--format", "json", "--no-cache",
            "--num-beams", "1", "--device", "cpu", "--engine", "torch", "--summary-model", str(tiny_models["summary"]),
        ],
        hub_cache, stdin=english,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source_language"] == "en" and data["route"]["summary_input"] == "source"
    assert data["route"]["translation"]["model"] == "Helsinki-NLP/opus-mt-en-de"
    assert data["route"]["pivot"] is None
    assert data["summaries"]["headline"].strip()
