"""How close a translation line comes to this machine's arithmetic ceiling (used by scripts/bench.py).

The ceiling is the rate of one large matrix multiplication in the precision the CTranslate2
line computes in: on a CPU an int8 GEMM (unsigned 8-bit activations times signed 8-bit weights
into 32-bit sums, the kind CTranslate2's int8 layers run), through torch's fbgemm/x86 quantized
linear; on CUDA a float16 matmul. Nothing real runs faster than it, so a line's figure is
(target tokens/s x operations per target token) / ceiling.

The operations per target token count the model's matrix products (2 operations per
multiply-add) for an opus-mt-shaped Marian model:

* per source token, once: every encoder layer (attention projections 4 d^2, feed-forward
  2 d f) and every decoder layer's cross-attention keys and values (2 d^2);
* per decoded token and hypothesis (so times the beam width): every decoder layer
  (self-attention 4 d^2, cross-attention query and output 2 d^2, feed-forward 2 d f) and the
  output projection d V over the vocabulary (or the shortlist it is restricted to).

Attention scores themselves (about 2 d (s + t) a layer and step) and softmax, layer norms and
activations are left out: a few per cent at these lengths, and not GEMMs.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Side of the square GEMM that measures the ceiling: large enough to stream from memory at
#: full speed, small enough to take well under a second on 2 cores.
GEMM_SIZE = 2048
GEMM_RUNS = 5


@dataclass(frozen=True)
class Ceiling:
    """Operations per second of the measured GEMM, and what it was."""

    ops_per_s: float
    kind: str

    def describe(self) -> str:
        return f"{self.ops_per_s / 1e9:,.0f} G{self.kind} ops/s ({GEMM_SIZE}^3 GEMM, best of {GEMM_RUNS})"


def measure_ceiling(device: str, threads: int) -> Ceiling | None:
    """The arithmetic ceiling on `device`, or None where it cannot be measured here."""
    try:
        import torch
    except ImportError:
        return None
    if device == "cuda":
        return _best(lambda a, b: torch.mm(a, b), *_cuda_operands(torch), "float16", torch.cuda.synchronize)
    torch.set_num_threads(threads)
    with warnings.catch_warnings():
        # The quantized tensor API is deprecated in torch 2.x but still the one int8 CPU GEMM it has.
        warnings.simplefilter("ignore")
        engines = torch.backends.quantized.supported_engines
        engine = next((name for name in ("x86", "fbgemm", "onednn") if name in engines), None)
        if engine is None:
            return None
        torch.backends.quantized.engine = engine
        generator = torch.Generator().manual_seed(0)
        weights = torch.quantize_per_tensor(
            torch.randn(GEMM_SIZE, GEMM_SIZE, generator=generator), 0.05, 0, torch.qint8
        )
        packed = torch.ops.quantized.linear_prepack(weights, None)
        inputs = torch.quantize_per_tensor(
            torch.randn(GEMM_SIZE, GEMM_SIZE, generator=generator), 0.05, 128, torch.quint8
        )
        return _best(
            lambda x, w: torch.ops.quantized.linear(x, w, 1.0, 0), inputs, packed, f"int8 ({engine})", None
        )


def _cuda_operands(torch: Any) -> tuple[Any, Any]:
    a = torch.randn(GEMM_SIZE * 4, GEMM_SIZE * 4, device="cuda", dtype=torch.float16)
    return a, a.clone()


def _best(multiply: Any, left: Any, right: Any, kind: str, synchronize: Any) -> Ceiling:
    size = left.shape[0]
    multiply(left, right)  # warm-up: packing, kernels chosen
    best = float("inf")
    for _ in range(GEMM_RUNS):
        if synchronize:
            synchronize()
        started = time.perf_counter()
        multiply(left, right)
        if synchronize:
            synchronize()
        best = min(best, time.perf_counter() - started)
    return Ceiling(2 * size**3 / best, kind)


def ops_per_target_token(
    config: Mapping[str, Any],
    vocabulary: int,
    source_tokens: int,
    target_tokens: int,
    beams: int,
) -> float:
    """Matrix operations per useful target token of a Marian model with `config` (d_model,
    layer counts, FFN widths) translating `source_tokens` into `target_tokens` with `beams`."""
    d = config["d_model"]
    encoder = config["encoder_layers"] * (4 * d * d + 2 * d * config["encoder_ffn_dim"])
    cross_keys = config["decoder_layers"] * 2 * d * d
    step = config["decoder_layers"] * (6 * d * d + 2 * d * config["decoder_ffn_dim"]) + d * vocabulary
    per_source = encoder + cross_keys
    return 2 * (beams * step + per_source * source_tokens / max(1, target_tokens))


def ceiling_share(tokens_per_s: float | None, ops_per_token: float, ceiling: Ceiling | None) -> float | None:
    """The fraction of the ceiling a line reaches."""
    if not tokens_per_s or ceiling is None:
        return None
    return tokens_per_s * ops_per_token / ceiling.ops_per_s
