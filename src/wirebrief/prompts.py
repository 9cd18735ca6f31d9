"""Prompt files: one TOML file per summary tier, validated when loaded.

A prompt file holds a `string.Template` (only `$text` and the variables it declares), the
generation parameters, and the length budget the output must keep. No code runs from a prompt.

    description = "A news headline"
    order = 1                      # tiers are shown shortest first
    mode = "text"                  # or "sections": one item per section of the article
    template = "Write a headline for this news article: $text"
    [generation]                   # any GenerationParams field
    max_new_tokens = 32
    [budget]
    max_words = 14                 # also max_sentences, min_items, max_items
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Literal

from wirebrief.engines.base import GenerationParams
from wirebrief.errors import PromptError, UsageError

#: The prompt that condenses one chunk of a long text; not a tier of its own.
CHUNK_PROMPT = "chunk"
DEFAULT_TIERS = ("headline", "lede", "summary", "key_points")
_MODES = ("text", "sections")
_TOP_KEYS = {"description", "order", "mode", "template", "variables", "generation", "budget"}
_BUDGET_KEYS = {"max_words", "max_sentences", "min_items", "max_items"}


@dataclass(frozen=True)
class Budget:
    """Limits enforced on a tier's output (None: no limit)."""

    max_words: int | None = None
    max_sentences: int | None = None
    min_items: int | None = None
    max_items: int | None = None

    def as_dict(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class Prompt:
    name: str
    template: Template
    description: str = ""
    order: int = 100
    mode: Literal["text", "sections"] = "text"
    params: GenerationParams = field(default_factory=GenerationParams)
    budget: Budget = field(default_factory=Budget)
    variables: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def is_list(self) -> bool:
        return self.mode == "sections"

    def render(self, **values: str) -> str:
        """Fill the template; a variable with neither a value nor a default is an error."""
        merged = {**self.variables, **values}
        try:
            return self.template.substitute(merged)
        except KeyError as missing:
            raise PromptError(f"prompt {self.name}: no value for ${missing.args[0]}") from None
        except ValueError as error:
            raise PromptError(f"prompt {self.name}: invalid template: {error}") from None


def packaged_prompts_dir() -> Path:
    """The prompts shipped with wirebrief: inside the wheel, or `prompts/` of a source checkout.

    In the wheel they are `wirebrief/_prompts`, a name no module shares (there is a prompts.py).
    """
    installed = resources.files("wirebrief") / "_prompts"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "prompts"


def load_prompt(path: Path) -> Prompt:
    name = path.stem
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PromptError(f"prompt file {path} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise PromptError(f"prompt file {path} is not valid TOML: {error}") from None

    def fail(message: str) -> PromptError:
        return PromptError(f"prompt file {path}: {message}")

    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise fail(f"unknown key {', '.join(sorted(unknown))}")
    template_text = data.get("template")
    if not isinstance(template_text, str) or not template_text.strip():
        raise fail("`template` must be a non-empty string")
    template = Template(template_text)
    if not template.is_valid():
        raise fail("`template` has a stray `$`; write `$$` for a literal dollar sign")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise fail("`variables` must be a table of string defaults")
    identifiers = set(template.get_identifiers())
    if "text" not in identifiers:
        raise fail("`template` must use $text, where the article goes")
    undeclared = identifiers - {"text"} - set(variables)
    if undeclared:
        raise fail(f"`template` uses ${', $'.join(sorted(undeclared))} with no default in [variables]")
    mode = data.get("mode", "text")
    if mode not in _MODES:
        raise fail(f"`mode` must be one of {', '.join(_MODES)}, not {mode!r}")
    order = data.get("order", 100)
    if not isinstance(order, int):
        raise fail("`order` must be a whole number")
    return Prompt(
        name=name,
        template=template,
        description=str(data.get("description", "")),
        order=order,
        mode=mode,
        params=_generation(data.get("generation", {}), fail),
        budget=_budget(data.get("budget", {}), fail),
        variables=dict(variables),
        path=path,
    )


def _generation(table: Any, fail) -> GenerationParams:
    if not isinstance(table, dict):
        raise fail("[generation] must be a table")
    known = {spec.name: spec for spec in fields(GenerationParams)}
    unknown = set(table) - set(known)
    if unknown:
        raise fail(f"unknown generation parameter {', '.join(sorted(unknown))}")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"generation parameter {key} must be a non-negative number")
    for key in ("max_new_tokens", "min_new_tokens", "num_beams", "no_repeat_ngram_size", "length_margin"):
        if key in table and not isinstance(table[key], int):
            raise fail(f"generation parameter {key} must be a whole number")
    if table.get("max_new_tokens", 1) < 1 or table.get("num_beams", 1) < 1:
        raise fail("max_new_tokens and num_beams must be at least 1")
    return GenerationParams(**table)


def _budget(table: Any, fail) -> Budget:
    if not isinstance(table, dict):
        raise fail("[budget] must be a table")
    unknown = set(table) - _BUDGET_KEYS
    if unknown:
        raise fail(f"unknown budget key {', '.join(sorted(unknown))}")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"budget {key} must be a whole number of at least 1")
    budget = Budget(**table)
    if budget.min_items and budget.max_items and budget.min_items > budget.max_items:
        raise fail("budget min_items is larger than max_items")
    return budget


def load_prompts(user_dir: Path | None = None) -> dict[str, Prompt]:
    """All prompts: the packaged ones, overridden or extended by a user folder."""
    folders = [packaged_prompts_dir()]
    if user_dir is not None:
        if not user_dir.is_dir():
            raise PromptError(f"prompts folder {user_dir} does not exist")
        folders.append(user_dir)
    prompts: dict[str, Prompt] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            prompts[path.stem] = load_prompt(path)
    if CHUNK_PROMPT not in prompts:
        raise PromptError(f"no `{CHUNK_PROMPT}.toml` prompt found in {', '.join(map(str, folders))}")
    return prompts


def tier_names(prompts: dict[str, Prompt]) -> list[str]:
    """Every tier, shortest first."""
    tiers = [prompt for name, prompt in prompts.items() if name != CHUNK_PROMPT]
    return [prompt.name for prompt in sorted(tiers, key=lambda p: (p.order, p.name))]


def select_tiers(prompts: dict[str, Prompt], requested: str | None) -> list[Prompt]:
    """The prompts for a comma-separated tier list (None: the default tiers; "none": no tier),
    shortest first."""
    available = tier_names(prompts)
    if requested is not None and requested.strip().lower() == "none":
        return []
    if requested is None:
        names = [name for name in DEFAULT_TIERS if name in prompts]
    else:
        names = [name.strip() for name in requested.split(",") if name.strip()]
        if not names:
            raise UsageError("--tiers is empty", hint=f"choose from {', '.join(available)}")
    unknown = [name for name in names if name not in available]
    if unknown:
        raise UsageError(f"unknown tier {', '.join(unknown)}", hint=f"choose from {', '.join(available)}")
    chosen = [prompts[name] for name in dict.fromkeys(names)]
    return sorted(chosen, key=lambda p: (p.order, p.name))
