"""Every package the code imports is one the project declares.

A fresh install once lacked lxml_html_clean: jusText (under trafilatura) imports it, and only a
newer pip than a fresh venv brings installed it through jusText's extra. These tests read the
import graph of wirebrief's own sources and the installed metadata, so an undeclared import
fails here and not on a user's machine.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "src" / "wirebrief"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    """Distributions wirebrief requires, its extras included."""
    names = set()
    for requirement in metadata.requires("wirebrief") or []:
        names.add(_normal(re.split(r"[\s\[<>=!~;(]", requirement, maxsplit=1)[0]))
    return names


def _imported_top_levels() -> dict[str, str]:
    """{top-level module: a file importing it}, in-function imports included, relative ones not."""
    found: dict[str, str] = {}
    for path in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path.name)
    return found


def test_every_third_party_import_is_declared():
    providers = metadata.packages_distributions()
    undeclared = []
    for module, where in sorted(_imported_top_levels().items()):
        if module in sys.stdlib_module_names or module == "wirebrief":
            continue
        distributions = {_normal(name) for name in providers.get(module, [])}
        assert distributions, f"{module} (imported in {where}) is not installed"
        if not distributions & _declared():
            undeclared.append(f"{module} ({where}) from {sorted(distributions)}")
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_html_cleaner_jusText_imports_is_declared_and_importable():
    assert "lxml-html-clean" in _declared()
    from lxml.html.clean import Cleaner  # what jusText imports: it fails without lxml_html_clean

    assert Cleaner is not None
