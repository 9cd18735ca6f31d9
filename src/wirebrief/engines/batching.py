"""How texts are grouped into model calls: token budgets, padding buckets, batch plans.

Shared by every engine; nothing here imports a model library at module level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: and a text gets the same cap, hence the same output, whatever batch it lands in.
CAP_STEP = 16
#: Default padded-token budget of one model call (inputs + outputs, times beams).
DEFAULT_BATCH_TOKENS = {"cpu": 24_576, "mps": 65_536, "cuda": 262_144}
#: On CUDA the budget follows the card: padded tokens per GiB of free memory. An opus-mt-sized
#: model in bfloat16 needs well under 256 KiB per padded token (cache and logits), so this
#: leaves room; an out-of-memory error halves it anyway.
CUDA_TOKENS_PER_GIB = 4_096


#: Batch-invariant engines pad every input to its bucket's ceiling (see `padded_length`):
#: buckets are PAD_STEP tokens wide up to 256 tokens, then an eighth of the next power of two.
#: Wider buckets pad more but batch more: 70 sentences greedy on opus-mt's size (2 cores) took
#: 1.16x the time of batches padded to their longest member with 32, 1.69x with 8.
PAD_STEP = 32


#: The most logits (rows x target tokens x vocabulary) one scoring call computes: the logits,
#: not the inputs, are what a forced-decoding pass holds in memory (a float32 copy of 2^26
#: is 256 MiB; an opus-mt-sized vocabulary then takes about 1,100 target tokens a call).
SCORE_LOGITS = 1 << 26


def score_budget(max_batch_tokens: int, vocabulary: int) -> int:
    """The token budget of one scoring call: its logits within SCORE_LOGITS, at least 64 tokens."""
    return max(64, min(max_batch_tokens, SCORE_LOGITS // max(1, vocabulary)))


def padded_length(tokens: int, limit: int) -> int:
    """The length an input of `tokens` tokens is padded to, whatever else is in its batch.

    Under int8, CTranslate2's output for a text moves with how far its batch pads it, and,
    measured on an opus-mt-sized model, with nothing else: not with its batch-mates' contents,
    their number or their caps (32 of 47 sentences moved between batch compositions padded to
    their longest member, 0 padded to their bucket's ceiling; greedy and 4 beams, and the same
    for a flan-t5-sized model). So a batch holds one bucket and is padded to its ceiling, and a
    text gets one output alone, in a pooled window, or beside cache hits. Ceilings: 32, 64, 96,
    ..., 256, 320, 384, 448, 512, then an eighth of the next power of two apart.
    """
    step = max(PAD_STEP, 1 << max(0, (max(1, tokens) - 1).bit_length() - 3))
    return min(limit, -(-max(1, tokens) // step) * step)


def cuda_batch_tokens(free_bytes: int) -> int:
    """The default token budget for a CUDA card with `free_bytes` of free memory."""
    return max(16_384, int(free_bytes / 2**30 * CUDA_TOKENS_PER_GIB))


def default_batch_tokens(device: str) -> int:
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return cuda_batch_tokens(free)
    return DEFAULT_BATCH_TOKENS.get(device, DEFAULT_BATCH_TOKENS["cpu"])



def plan_batches(
    lengths: Sequence[int],
    caps: Sequence[int],
    *,
    max_batch_tokens: int,
    num_beams: int = 1,
    max_batch_size: int | None = None,
    cap_ratio: float = 1.0,
    padded: Callable[[int], int] | None = None,
) -> list[list[int]]:
    """Group text indices into batches: larger caps first, longest first, within budget.

    A batch costs (longest input + largest cap) x size x beams padded tokens. Sorting by length
    keeps padding small; a text alone is always a batch even if it is over the budget. A text
    joins a batch only if its cap is at least `cap_ratio` times the batch's largest: 1.0 keeps
    one cap per batch; lower values are for engines that stop each row at its own cap (0.0
    for one that also drops finished rows from the batch, so mixing wastes nothing).
    With `padded` (a length's padded length, see `padded_length`), a batch holds texts of one
    padded length only, and that length is what it costs.
    """
    pad = padded or (lambda length: length)
    buckets = [pad(length) if padded else 0 for length in lengths]
    order = sorted(range(len(lengths)), key=lambda i: (-buckets[i], -caps[i], -lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        candidate_longest = max(longest, pad(lengths[index]))
        cap = caps[current[0]] if current else caps[index]  # the batch's largest: caps come sorted
        cost = (candidate_longest + cap) * (len(current) + 1) * num_beams
        full = (
            not current
            or buckets[index] != buckets[current[0]]
            or caps[index] < cap_ratio * caps[current[0]]
            or cost > max_batch_tokens
            or (max_batch_size is not None and len(current) >= max_batch_size)
        )
        if full and current:
            batches.append(current)
            current, candidate_longest = [], pad(lengths[index])
        current.append(index)
        longest = candidate_longest
    if current:
        batches.append(current)
    return batches
