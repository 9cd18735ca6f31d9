"""Settings and where each came from: command-line flag > environment > config file > default."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-nl-en"
DEFAULT_SUMMARY_MODEL = "google/flan-t5-large"
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class Settings:
    """Everything a run can be configured with. Build it with `resolve_settings`."""

    translation_model: str = DEFAULT_TRANSLATION_MODEL
    summary_model: str = DEFAULT_SUMMARY_MODEL
    device: str = "auto"
    num_beams: int = 4
    #: Most sentences in one model call; None lets the token budget decide alone.
    batch_size: int | None = None
    #: Padded tokens in one model call (inputs x beams); None picks a default for the device.
    max_batch_tokens: int | None = None
    offline: bool = False
    #: A folder of prompt files that override or add to the packaged ones.
    prompts_dir: Path | None = None
    #: The inference engine: auto, torch or ctranslate2.
    engine: str = "auto"
    #: Keep model outputs in an SQLite cache, so no sentence is translated twice.
    use_cache: bool = True
    #: The cache file; None means the user cache folder.
    cache: Path | None = None
    #: Rounds of cutting and retrying a translation that ran into its length cap.
    retries: int = 2
    #: A glossary (TSV or TOML): source terms and the target terms they must become.
    glossary: Path | None = None
    #: For each setting, where its value came from: "flag", "env", "config" or "default"
    #: ("HF_HUB_OFFLINE" for offline taken from the Hugging Face switch).
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def fetch_offline(self) -> bool:
        """Whether URLs may not be fetched: wirebrief's own offline switch. HF_HUB_OFFLINE
        keeps models off the network, which says nothing about fetching an article."""
        return self.offline and self.origins.get("offline") != "HF_HUB_OFFLINE"


_SETTING_TYPES: dict[str, type] = {
    "translation_model": str,
    "summary_model": str,
    "device": str,
    "num_beams": int,
    "batch_size": int,
    "max_batch_tokens": int,
    "offline": bool,
    "prompts_dir": Path,
    "engine": str,
    "use_cache": bool,
    "cache": Path,
    "retries": int,
    "glossary": Path,
}
#: Whole-number settings that may be zero.
_ZERO_ALLOWED = {"retries"}
#: The inference engines; "auto" picks per device (engine.choose_engine).
ENGINES = ("auto", "torch", "ctranslate2")
ENV_PREFIX = "WIREBRIEF_"


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """wirebrief's cache folder: $XDG_CACHE_HOME/wirebrief, else ~/.cache/wirebrief.

    It holds the translation cache and converted models; deleting it loses nothing but time.
    """
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wirebrief"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file: $WIREBRIEF_CONFIG, else $XDG_CONFIG_HOME/wirebrief/config.toml."""
    environ = os.environ if environ is None else environ
    if environ.get("WIREBRIEF_CONFIG"):
        return Path(environ["WIREBRIEF_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "wirebrief" / "config.toml"


def _read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} does not exist") from None
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error}") from None
    unknown = sorted(set(data) - set(_SETTING_TYPES))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting {', '.join(unknown)}",
            hint=f"known settings: {', '.join(_SETTING_TYPES)}",
        )
    return data


def _convert(name: str, value: Any, origin: str) -> Any:
    kind = _SETTING_TYPES[name]
    where = {"env": f"environment variable {ENV_PREFIX}{name.upper()}", "config": "config file"}
    place = where.get(origin, origin)
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{name} in {place} must be true or false, not {value!r}")
    if kind is int:
        if isinstance(value, (bool, float)):
            raise ConfigError(f"{name} in {place} must be a whole number, not {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} in {place} must be a whole number, not {value!r}") from None
        least = 0 if name in _ZERO_ALLOWED else 1
        if number < least:
            raise ConfigError(f"{name} in {place} must be at least {least}, not {number}")
        return number
    if kind is Path:
        return Path(str(value)).expanduser()
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} in {place} must be a non-empty string, not {value!r}")
    if name == "device" and value not in DEVICES:
        raise ConfigError(f"device in {place} must be one of {', '.join(DEVICES)}, not {value!r}")
    if name == "engine" and value not in ENGINES:
        raise ConfigError(f"engine in {place} must be one of {', '.join(ENGINES)}, not {value!r}")
    return value


def resolve_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Combine flags (None means not given), environment and config file over the defaults."""
    environ = os.environ if environ is None else environ
    flags = {name: value for name, value in (flags or {}).items() if value is not None}
    unknown = sorted(set(flags) - set(_SETTING_TYPES))
    if unknown:
        raise ValueError(f"unknown settings: {unknown}")  # a programming error, not user input
    path = config_path(environ)
    from_file = _read_config_file(path, required=bool(environ.get("WIREBRIEF_CONFIG")))

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for spec in fields(Settings):
        name = spec.name
        if name == "origins":
            continue
        env_name = f"{ENV_PREFIX}{name.upper()}"
        if name in flags:
            values[name], origins[name] = _convert(name, flags[name], "flag"), "flag"
        elif environ.get(env_name, "") != "":
            values[name], origins[name] = _convert(name, environ[env_name], "env"), "env"
        elif name in from_file:
            values[name], origins[name] = _convert(name, from_file[name], "config"), "config"
        else:
            origins[name] = "default"
    # The Hugging Face switch means the same thing, so honour it as a default for ours.
    # Like huggingface_hub, any value but a recognised "true" means online.
    if origins["offline"] == "default" and environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        values["offline"], origins["offline"] = True, "HF_HUB_OFFLINE"
    return Settings(**values, origins=origins)
