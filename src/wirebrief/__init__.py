"""wirebrief: translate a news article with a local model and brief it at every depth.

    import wirebrief
    result = wirebrief.brief("artikel.txt")
    print(result.summaries.get("headline").text)

Names are imported on first use, and torch and transformers only when a model loads, so that
`wirebrief --help` stays instant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Brief": "pipeline",
    "brief": "pipeline",
    "make_brief": "pipeline",
    "read_article": "pipeline",
    "read_document": "pipeline",
    "dry_run": "pipeline",
    "detect": "detect",
    "Detection": "detect",
    "route": "routing",
    "plan": "routing",
    "Route": "routing",
    "Plan": "routing",
    "summarise": "pipeline",
    "translate": "pipeline",
    "Settings": "config",
    "resolve_settings": "config",
    "Document": "document",
    "Metadata": "document",
    "Paragraph": "document",
    "Engine": "engine",
    "Generation": "engine",
    "GenerationParams": "engine",
    "HuggingFaceEngine": "engine",
    "Finding": "check",
    "WirebriefError": "errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("wirebrief")
        except PackageNotFoundError:  # a source tree that is not installed
            value = "0.0.0+unknown"
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'wirebrief' has no attribute {name!r}")
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .check import Finding
    from .config import Settings, resolve_settings
    from .document import Document, Metadata, Paragraph
    from .engine import Engine, Generation, GenerationParams, HuggingFaceEngine
    from .errors import WirebriefError
    from .detect import Detection, detect
    from .pipeline import Brief, brief, dry_run, make_brief, read_article, read_document, summarise, translate
    from .routing import Plan, Route, plan, route
