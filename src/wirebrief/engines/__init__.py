"""The engines: pick one for a device, make it, and the types every engine shares.

    base.py      the `Engine` protocol, `GenerationParams`, `Generation`
    batching.py  token budgets, padding buckets, batch plans
    files.py     `ModelFiles`: what both backends read from a Hugging Face model
    torch.py     `HuggingFaceEngine` (transformers + torch)
    ct2.py       `CTranslate2Engine`
    store.py     `GenerationCache`, the SQLite file of model outputs
    cache.py     `CachedEngine` and `DeferredEngine`: an engine behind that file
    pool.py      `EnginePool`: the engines of a run, by role and model, made once

A new backend is a module beside torch.py and ct2.py with a `ModelFiles` (or `Engine`)
subclass, a name in config.ENGINES, and a branch in `make_engine`. The backends are imported
here only inside functions: torch, transformers and ctranslate2 load when an engine is made.
"""

from __future__ import annotations

from wirebrief.config import ENGINES
from wirebrief.engines.base import Engine, engine_key
from wirebrief.errors import UsageError
from wirebrief.models import ModelRef


def ctranslate2_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("ctranslate2") is not None


def choose_engine(engine: str, device: str) -> str:
    """The engine `auto` stands for: CTranslate2 int8 on a CPU when it is installed, else torch.

    On a GPU torch (bfloat16) is chosen: it is the path measured on CUDA so far; CTranslate2
    float16 is there with ``--engine ctranslate2``.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if not ctranslate2_installed():
        return "torch"
    if device == "cpu":
        return "ctranslate2"
    if device == "auto":
        # Asked of CTranslate2, not torch: importing torch alone takes seconds, and a run
        # answered from the cache need never import it.
        import platform

        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            return "torch"
        if platform.system() == "Darwin" and platform.machine() == "arm64":
            import torch

            return "torch" if torch.backends.mps.is_available() else "ctranslate2"
        return "ctranslate2"
    return "torch"


def known_cache_key(ref: ModelRef, engine: str, device: str, *, shortlist: bool = False) -> str | None:
    """The `cache_key()` the engine `make_engine` would make will have, where that is certain
    without making it (on a CPU); None otherwise. Lets a cache answer before any engine exists.
    """
    kind = choose_engine(engine, device)
    if kind == "ctranslate2":
        from wirebrief.engines.ct2 import resolve_device as ct2_device

        if ct2_device(device) == "cpu":
            from wirebrief.engines.ct2_shortlist import has_target_vocabulary, keyed_precision

            # int8: what compute type "auto" is on a CPU.
            return engine_key("ctranslate2", keyed_precision("int8", shortlist and has_target_vocabulary(ref)), ref)
        return None
    if device == "cpu":
        return engine_key("transformers", "float32", ref)
    return None


def make_engine(
    ref: ModelRef,
    *,
    role: str,
    engine: str = "torch",
    device: str = "auto",
    dtype: str = "auto",
    offline: bool = False,
    max_batch_tokens: int | None = None,
    batch_size: int | None = None,
    threads: int | None = None,
    shortlist: bool = False,
) -> Engine:
    """A new engine of the kind `engine` stands for on `device` (see `choose_engine`).

    Engines load their weights on the first generate, so this is cheap until then. Reusing an
    engine is its owner's business (`pool.EnginePool`): nothing here is shared.
    """
    kind = choose_engine(engine, device)
    if kind == "ctranslate2":
        if device == "mps":
            raise UsageError("CTranslate2 does not run on Apple GPUs", hint="use --engine torch or --device cpu")
        from wirebrief.engines.ct2 import CTranslate2Engine

        return CTranslate2Engine(
            ref, role=role, device=device, compute_type=dtype, offline=offline,
            max_batch_tokens=max_batch_tokens, batch_size=batch_size, threads=threads, shortlist=shortlist,
        )
    from wirebrief.engines.torch import HuggingFaceEngine

    return HuggingFaceEngine(
        ref, role=role, device=device, dtype=dtype, offline=offline,
        max_batch_tokens=max_batch_tokens, batch_size=batch_size, threads=threads,
    )
