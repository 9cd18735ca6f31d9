"""Shared fixtures: the tiny real models, built once per test session.

No model hub is reachable where these tests run, so the integration tests load tiny
random-weight Marian and T5 models that scripts/make_tiny_models.py builds, through exactly
the `from_pretrained` path real models take. Their output is gibberish by design.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakes import load_script

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "article-nl-2025-02.txt"

# Never reach for the network, and never touch the user's own Hugging Face cache.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty Hugging Face cache and config folder for the whole session."""
    home = tmp_path_factory.mktemp("home")
    os.environ["HF_HOME"] = str(home / "hf")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    for name in [key for key in os.environ if key.startswith("WIREBRIEF_")]:
        del os.environ[name]
    return home


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{"translation": folder, "summary": folder} of tiny random-weight models."""
    return load_script("make_tiny_models").build(tmp_path_factory.mktemp("tiny-models"), seed=0)


@pytest.fixture(scope="session")
def tiny_reverse_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight English -> Dutch model, for `--verify back` (kept out of
    `tiny_models`, whose keys other tests assert)."""
    return load_script("make_tiny_models").build_reverse_model(tmp_path_factory.mktemp("tiny-reverse"), seed=0)


#: The model tests run on the CPU; WIREBRIEF_TEST_DEVICE=cuda runs them on a GPU instead.
TEST_DEVICE = os.environ.get("WIREBRIEF_TEST_DEVICE", "cpu")


@pytest.fixture(scope="session")
def test_device() -> str:
    return TEST_DEVICE


@pytest.fixture(scope="session")
def tiny_settings(tiny_models):
    """Settings for the tiny models: greedy, offline, on the test device, torch, no cache.

    Tests of the cache and of the CTranslate2 engine ask for them explicitly.
    """
    from wirebrief.config import Settings

    return Settings(
        translation_model=str(tiny_models["translation"]),
        summary_model=str(tiny_models["summary"]),
        device=TEST_DEVICE,
        num_beams=1,
        offline=True,
        engine="torch",
        use_cache=False,
    )


@pytest.fixture(scope="session")
def example_path() -> Path:
    """The article the project exists for (a Dutch news article of February 2025)."""
    return EXAMPLE
