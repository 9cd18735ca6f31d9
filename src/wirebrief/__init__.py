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
    "Brief": "results",
    "brief": "pipeline",
    "make_brief": "pipeline",
    "read_article": "pipeline",
    "read_document": "pipeline",
    "dry_run": "pipeline",
    "detect": "inputs.language",
    "Detection": "inputs.language",
    "route": "routing",
    "plan": "routing",
    "Route": "routing",
    "Plan": "routing",
    "summarise": "pipeline",
    "translate": "pipeline",
    "Settings": "config",
    "resolve_settings": "config",
    "Document": "inputs.document",
    "Metadata": "inputs.document",
    "Paragraph": "inputs.document",
    "Engine": "engines.base",
    "Generation": "engines.base",
    "GenerationParams": "engines.base",
    "HuggingFaceEngine": "engines.torch",
    "EnginePool": "engines.pool",
    "Options": "options",
    "Finding": "results",
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
    from wirebrief.config import Settings, resolve_settings
    from wirebrief.engines.base import Engine, Generation, GenerationParams
    from wirebrief.engines.pool import EnginePool
    from wirebrief.engines.torch import HuggingFaceEngine
    from wirebrief.errors import WirebriefError
    from wirebrief.inputs.document import Document, Metadata, Paragraph
    from wirebrief.inputs.language import Detection, detect
    from wirebrief.options import Options
    from wirebrief.pipeline import (
        brief,
        dry_run,
        make_brief,
        read_article,
        read_document,
        summarise,
        translate,
    )
    from wirebrief.results import Brief, Finding
    from wirebrief.routing import Plan, Route, plan, route
