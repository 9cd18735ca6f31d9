"""Small helpers for the words a run says about itself: below render, so that the pipeline and
the batch driver can count things in plain English without importing the renderers."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`1 sentence`, `2 sentences`: a count and its noun, regular English plural."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
