"""The resume key: what a result depends on besides its input. A result made under another key
is redone; an unchanged run keeps its key, so a rerun skips what is done.

The run's key is made of the options a result depends on (`Options.key_fields`) and the
settings that name or run its models; an article's key adds the exact models its language is
routed to (`article_key`), so changing the German model redoes the German articles only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wirebrief import __version__
from wirebrief.config import Settings
from wirebrief.errors import WirebriefError
from wirebrief.options import Options

if TYPE_CHECKING:
    from wirebrief.engines.pool import EnginePool

#: The option fields the key has held from the start, under the names it gives them. They are
#: written whatever their value, as they always were, so an unchanged run keeps its key.
#: (``tiers`` is held as the digests of the chosen tiers' prompt files: an edited prompt
#: redoes its tier.)
_OPTION_NAMES = {
    "source_lang": "source_lang", "target_lang": "target_lang", "output_format": "format",
    "input_format": "input_format", "tiers": "tiers",
}
#: The settings the key has held from the start (the models under ``models``).
_SETTINGS_HELD = ("translation_model", "summary_model", "engine", "device", "num_beams", "retries", "glossary")
#: Settings a result does not depend on: how fast it is made (batch sizes, threads), where the
#: cache lives and whether it is used, whether the hub may be asked, where each value came
#: from. The prompts folder counts through the digests of the tiers' prompt files.
SETTINGS_NOT_IN_KEY = frozenset({
    "batch_size", "max_batch_tokens", "threads", "offline", "use_cache", "cache", "prompts_dir", "origins",
})


def settings_key(settings: Settings, options: Options, tiers: Sequence[Any]) -> str:
    """The run's key: what a result depends on besides its input and its models' identities.

    `tiers` are the chosen tiers' prompts (with ``name`` and ``path``). An option or setting
    added later than the key's first fields counts once it differs from its default: a new
    field's default is how wirebrief behaved before it, so results made before stay valid,
    and a field cannot be left out of the key by forgetting it here.
    """
    chosen = options.key_fields()
    described: dict[str, Any] = {
        "wirebrief": __version__,
        "models": {"translation": settings.translation_model, "summary": settings.summary_model if tiers else None},
        "engine": settings.engine,
        "device": settings.device,
        "num_beams": settings.num_beams,
        "retries": settings.retries,
        "tiers": {prompt.name: hashlib.sha256(prompt.path.read_bytes()).hexdigest() for prompt in tiers},
        **{name: chosen[field_] for field_, name in _OPTION_NAMES.items() if field_ != "tiers"},
        # The glossary changes the findings in a result, so a new glossary redoes it.
        "glossary": _file_digest(settings.glossary) if settings.glossary else None,
    }
    later = _later_fields(chosen, options, settings)
    if later:
        described["later"] = later
    return _digest(described)


def _later_fields(chosen: dict[str, Any], options: Options, settings: Settings) -> dict[str, Any]:
    """The options and settings not among the key's first fields that differ from their default."""
    defaults = {f.name: f for f in fields(options)}
    later = {
        f"option:{name}": value for name, value in chosen.items()
        if name not in _OPTION_NAMES and value != _default(defaults[name])
    }
    for setting in fields(settings):
        if setting.name in _SETTINGS_HELD or setting.name in SETTINGS_NOT_IN_KEY:
            continue
        value = getattr(settings, setting.name)
        if value != _default(setting):
            later[f"setting:{setting.name}"] = value
    return later


def _default(field_: Field) -> Any:
    if field_.default is not MISSING:
        return field_.default
    if field_.default_factory is not MISSING:
        return field_.default_factory()
    return MISSING


def _digest(described: Any) -> str:
    # default=str: a later field may hold a Path; the first fields are all plain JSON.
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return f"unreadable:{path}"  # the glossary loader reports it properly


@dataclass
class ResumeKeys:
    """Each article's key (`article_key`), with the routing plans looked up once per run rather
    than once per article (the pool keeps the models' identities)."""

    base: str
    settings: Settings
    target_lang: str
    tiers: bool
    #: Where the models' identities come from: an engine supplied to the pool counts by its
    #: cache key, any other model by its fingerprint, so engines made during the run never
    #: change a key.
    pool: EnginePool
    plans: dict[str, Any] = field(default_factory=dict)

    def for_article(self, article: Any) -> str:
        return article_key(self.base, article, self.settings, self.target_lang, self.tiers, self.pool, self.plans)


def article_key(base: str, article: Any, settings: Settings, target_lang: str, tiers: bool, pool: EnginePool,
                plans: dict[str, Any]) -> str:
    """The settings key of one article: the run's settings plus the identities of the models
    its language is routed to (found without loading them). `plans` keeps the routing plan
    per language."""
    from wirebrief.pipeline import plan_for

    language = article.document.language
    if language not in plans:
        try:
            plans[language] = plan_for(language, target_lang, settings, tiers=tiers)
        except WirebriefError:
            plans[language] = None
    found = plans[language]
    if found is None:
        return base
    models = {role: pool.identity(role, route.model) for role, route in found.routes().items()}
    if found.summary_model:
        models["summary"] = pool.identity("summary", found.summary_model)
    return _digest([base, models])
