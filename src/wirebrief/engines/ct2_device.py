"""Which device and compute type a CTranslate2 model runs with, and their names for a reader."""

from __future__ import annotations

import logging

from wirebrief.engines.ct2_convert import import_ctranslate2, storage_quantization
from wirebrief.errors import UsageError

log = logging.getLogger(__name__)

#: Compute types a user may ask for ("auto" picks one per device).
COMPUTE_TYPES = ("float32", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "float16", "bfloat16")
#: Model types whose activations overflow float16 (T5 was trained in bfloat16); on a GPU "auto"
#: gives them bfloat16 instead, as HuggingFaceEngine's auto dtype does.
_FLOAT16_UNSAFE = frozenset({"t5", "mt5", "umt5", "longt5"})


def precision_name(compute_type: str) -> str:
    """The precision a reader knows (int8, float16, bfloat16, float32): what the weights are
    stored in, so int8_float16 is int8. The full compute type stays in `compute_type`."""
    return storage_quantization(compute_type)


def resolve_device(requested: str) -> str:
    """cpu or cuda; "auto" is cuda when CTranslate2 sees a GPU."""
    if requested not in ("auto", "cpu", "cuda"):
        raise UsageError(
            f"CTranslate2 runs on cpu or cuda, not {requested!r}", hint="use --engine torch for Apple GPUs"
        )
    ctranslate2 = import_ctranslate2()
    gpus = ctranslate2.get_cuda_device_count()
    if requested == "auto":
        return "cuda" if gpus > 0 else "cpu"
    if requested == "cuda" and gpus == 0:
        raise UsageError("--device cuda was asked for, but CTranslate2 sees no CUDA device")
    return requested


def resolve_compute_type(requested: str, device: str, model_type: str | None = None) -> str:
    """The compute type to run: the one asked for if the device supports it, or the auto choice.

    Auto is int8 on a CPU (the reason this engine exists: about 4x less memory and several
    times faster than float32) and float16 on a GPU, except for T5-family models, which get
    bfloat16 (or float32 where the GPU lacks it): their activations overflow float16 and
    CTranslate2 then decodes nothing but padding (OpenNMT/CTranslate2#1074).
    """
    if requested != "auto" and requested not in COMPUTE_TYPES:
        raise UsageError(
            f"unknown compute type {requested!r}", hint=f"use auto or one of {', '.join(COMPUTE_TYPES)}"
        )
    supported = set(import_ctranslate2().get_supported_compute_types(device))
    if requested == "auto":
        if device == "cpu":
            return "int8"
        if model_type in _FLOAT16_UNSAFE:
            return "bfloat16" if "bfloat16" in supported else "float32"
        return "float16"
    if requested not in supported:
        usable = [name for name in COMPUTE_TYPES if name in supported]
        raise UsageError(
            f"compute type {requested} is not supported on this {device}",
            hint=f"use auto or one of {', '.join(usable)}",
        )
    if model_type in _FLOAT16_UNSAFE and requested.endswith("float16") and not requested.endswith("bfloat16"):
        log.warning("%s models often overflow %s; bfloat16 or float32 is safer", model_type, requested)
    return requested
