"""The engine's pure parts: batch planning and output caps. No model, no torch."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.batching import CAP_STEP, plan_batches


def cost(batch: list[int], lengths: list[int], caps: list[int], num_beams: int = 1) -> int:
    """What plan_batches promises a batch costs: (longest input + cap) x size x beams."""
    return (max(lengths[i] for i in batch) + caps[batch[0]]) * len(batch) * num_beams


def random_workload(seed: int, count: int = 200) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    lengths = [rng.randint(1, 120) for _ in range(count)]
    params = GenerationParams(max_new_tokens=512, length_ratio=2.0, length_margin=16)
    return lengths, [params.cap_for(length) for length in lengths]


# --------------------------------------------------------------------------------------------
# plan_batches


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("budget", "beams", "size"), [(2_000, 1, None), (6_000, 4, 16), (100_000, 2, 7)])
def test_plan_batches_invariants(seed, budget, beams, size):
    lengths, caps = random_workload(seed)
    batches = plan_batches(lengths, caps, max_batch_tokens=budget, num_beams=beams, max_batch_size=size)

    flat = [index for batch in batches for index in batch]
    assert sorted(flat) == list(range(len(lengths))), "every index exactly once"
    for batch in batches:
        assert batch, "no empty batch"
        assert len({caps[i] for i in batch}) == 1, "one cap per batch"
        assert len(batch) == 1 or cost(batch, lengths, caps, beams) <= budget
        assert size is None or len(batch) <= size
        assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)


def test_plan_batches_longest_first_among_equal_caps():
    lengths = [3, 9, 5, 9, 1]
    batches = plan_batches(lengths, [16] * 5, max_batch_tokens=10_000)
    assert batches == [[1, 3, 2, 0, 4]]


def test_plan_batches_puts_larger_caps_first_and_never_mixes_them():
    lengths = [10, 40, 12, 38]
    caps = [48, 96, 48, 96]
    assert plan_batches(lengths, caps, max_batch_tokens=10_000) == [[1, 3], [2, 0]]


def test_plan_batches_respects_token_budget():
    # Each text costs (10 + 16) = 26 tokens; three fit in 80, a fourth would make 104.
    batches = plan_batches([10] * 7, [16] * 7, max_batch_tokens=80)
    assert [len(batch) for batch in batches] == [3, 3, 1]


def test_plan_batches_budget_counts_beams():
    batches = plan_batches([10] * 6, [16] * 6, max_batch_tokens=104, num_beams=2)
    assert [len(batch) for batch in batches] == [2, 2, 2]


def test_plan_batches_respects_batch_size():
    batches = plan_batches([5] * 10, [16] * 10, max_batch_tokens=1_000_000, max_batch_size=4)
    assert [len(batch) for batch in batches] == [4, 4, 2]


def test_plan_batches_lone_oversize_item_is_its_own_batch():
    lengths = [5, 500, 6]
    batches = plan_batches(lengths, [16] * 3, max_batch_tokens=100)
    assert batches == [[1], [2, 0]]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("budget", "size"), [(2_000, None), (20_000, 16), (500, 7)])
def test_plan_batches_mixing_caps_keeps_budget_order_and_every_index(seed, budget, size):
    lengths, caps = random_workload(seed)
    batches = plan_batches(lengths, caps, max_batch_tokens=budget, max_batch_size=size, cap_ratio=0.0)

    assert sorted(index for batch in batches for index in batch) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) == 1 or cost(batch, lengths, caps) <= budget  # cost counts the first, largest cap
        assert caps[batch[0]] == max(caps[i] for i in batch)
        assert size is None or len(batch) <= size
    # Larger caps go first, batch after batch.
    flat_caps = [caps[i] for batch in batches for i in batch]
    assert flat_caps == sorted(flat_caps, reverse=True)
    if budget >= 20_000:
        assert any(len({caps[i] for i in batch}) > 1 for batch in batches)


def test_plan_batches_mixing_caps_fills_one_batch_where_one_cap_each_needs_two():
    lengths, caps = [10, 40, 12, 38], [48, 96, 48, 96]
    assert plan_batches(lengths, caps, max_batch_tokens=10_000, cap_ratio=0.0) == [[1, 3, 2, 0]]
    # (40 + 96) x 3 = 408 fits a budget of 410, a fourth text (544) does not.
    assert plan_batches(lengths, caps, max_batch_tokens=410, cap_ratio=0.0) == [[1, 3, 2], [0]]


@pytest.mark.parametrize("ratio", [0.5, 0.7, 0.9])
def test_plan_batches_cap_ratio_bounds_the_caps_in_a_batch(ratio):
    lengths, caps = random_workload(3)
    batches = plan_batches(lengths, caps, max_batch_tokens=1_000_000, cap_ratio=ratio)
    assert sorted(index for batch in batches for index in batch) == list(range(len(lengths)))
    for batch in batches:
        assert min(caps[i] for i in batch) >= ratio * caps[batch[0]] == ratio * max(caps[i] for i in batch)
    # Each batch stops only where the next cap is too small for it.
    for batch, after in zip(batches, batches[1:]):
        assert caps[after[0]] < ratio * caps[batch[0]]


def test_plan_batches_empty_input():
    assert plan_batches([], [], max_batch_tokens=100) == []


# --------------------------------------------------------------------------------------------
# GenerationParams.cap_for


def test_cap_without_ratio_is_max_new_tokens():
    params = GenerationParams(max_new_tokens=77)
    assert [params.cap_for(n) for n in (0, 1, 500)] == [77, 77, 77]


@pytest.mark.parametrize(
    ("input_tokens", "cap"),
    [(0, 16), (1, 32), (8, 32), (9, 48), (24, 64), (25, 80), (100, 224)],
)
def test_cap_rounds_up_to_the_step(input_tokens, cap):
    # wanted = 2 x input + 16, rounded up to a multiple of CAP_STEP.
    params = GenerationParams(max_new_tokens=512, length_ratio=2.0, length_margin=16)
    assert params.cap_for(input_tokens) == cap
    assert cap % CAP_STEP == 0


def test_cap_is_never_above_max_new_tokens():
    params = GenerationParams(max_new_tokens=100, length_ratio=2.0, length_margin=16)
    caps = [params.cap_for(n) for n in range(300)]
    assert max(caps) == 100
    assert caps == sorted(caps), "caps grow with the input"
    assert all(cap >= min(100, 2 * n + 16) for n, cap in enumerate(caps)), "caps never below what was wanted"


def test_cap_is_at_least_one():
    assert GenerationParams(max_new_tokens=1, length_ratio=0.0).cap_for(0) == 1


# --------------------------------------------------------------------------------------------
# No work at import time


def test_importing_cli_document_render_engine_does_not_import_torch():
    code = (
        "import sys, wirebrief.cli, wirebrief.inputs.document, wirebrief.render, wirebrief.engines.base\n"
        "heavy = sorted({'torch', 'transformers'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------
# Choosing an engine


@pytest.mark.parametrize(
    ("requested", "device", "installed", "expected"),
    [
        ("auto", "cpu", True, "ctranslate2"),
        ("auto", "cpu", False, "torch"),
        ("auto", "cuda", True, "torch"),
        ("auto", "mps", True, "torch"),
        ("torch", "cpu", True, "torch"),
        ("ctranslate2", "cuda", False, "ctranslate2"),  # asked for: its own error says how to install it
    ],
)
def test_choose_engine(monkeypatch, requested, device, installed, expected):
    import wirebrief.engines as engine_module

    monkeypatch.setattr(engine_module, "ctranslate2_installed", lambda: installed)
    assert engine_module.choose_engine(requested, device) == expected


def test_unknown_engine_is_a_usage_error():
    from wirebrief.engines import choose_engine
    from wirebrief.errors import UsageError

    with pytest.raises(UsageError, match="unknown engine"):
        choose_engine("onnx", "cpu")


def test_cuda_token_budget_follows_free_memory():
    from wirebrief.engines.batching import cuda_batch_tokens

    assert cuda_batch_tokens(80 * 2**30) == 80 * 4096
    assert cuda_batch_tokens(24 * 2**30) == 24 * 4096
    assert cuda_batch_tokens(1 * 2**30) == 16_384  # never below a useful floor


def test_padded_buckets_grow_with_the_length_and_stop_at_the_limit():
    from wirebrief.engines.batching import padded_length

    assert [padded_length(n, 512) for n in (1, 32, 33, 64, 65, 129, 257, 500)] == [32, 32, 64, 64, 96, 160, 320, 512]
    assert padded_length(300, 256) == 256
    # Under 32 tokens of padding, or a quarter of the length past 256 tokens.
    assert all(n <= padded_length(n, 10_000) < n + max(32, n / 4) for n in range(1, 5000))


def test_a_padded_plan_keeps_one_bucket_per_batch():
    from wirebrief.engines.batching import padded_length, plan_batches

    lengths = [10, 40, 12, 50, 14, 60, 9]
    caps = [48, 80, 48, 80, 48, 80, 48]
    bucket = lambda n: padded_length(n, 512)
    batches = plan_batches(lengths, caps, max_batch_tokens=10_000, cap_ratio=0.0, padded=bucket)
    assert sorted(sorted(batch) for batch in batches) == [[0, 2, 4, 6], [1, 3, 5]]
    # Unpadded, the same texts share one batch.
    assert len(plan_batches(lengths, caps, max_batch_tokens=10_000, cap_ratio=0.0)) == 1
    # The budget is counted at the padded length: 3 x (64 + 80) = 432 tokens do not fit in 431,
    # where 3 x (60 + 80) unpadded would.
    three = [40, 50, 60]
    assert [len(b) for b in plan_batches(three, [80] * 3, max_batch_tokens=431, padded=bucket)] == [2, 1]
    assert [len(b) for b in plan_batches(three, [80] * 3, max_batch_tokens=431)] == [3]
