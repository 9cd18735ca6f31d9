"""Settings and where each came from: command-line flag > environment > config file > default."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from wirebrief.errors import ConfigError

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-nl-en"
DEFAULT_SUMMARY_MODEL = "google/flan-t5-large"
DEVICES = ("auto", "cpu", "cuda", "mps")


def available_cpus() -> int:
    """The CPUs this process may run on: its affinity mask, not every core of the machine."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


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
    #: CPU threads the engines compute with (CTranslate2's intra_threads, torch's
    #: set_num_threads). Both size themselves from every core of the machine otherwise, which
    #: oversubscribes a shared or pinned one; the default is the CPUs this process may use.
    threads: int = field(default_factory=available_cpus)
    #: CTranslate2 restricts a Marian (opus-mt) model's output to its target-language pieces
    #: (a vocabulary map), scoring a few thousand tokens a step instead of the whole shared
    #: vocabulary. The engine and its cache key say whether one was used; False: never.
    shortlist: bool = False
    #: The model that translates back into the source language for `--verify back`; None: the
    #: routing table's model for the reverse pair (opus-mt-en-nl for a Dutch article).
    reverse_model: str | None = None
    #: For each setting, where its value came from: "flag", "env", "config" or "default"
    #: ("HF_HUB_OFFLINE" for offline taken from the Hugging Face switch).
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Settings built in Python skip resolve_settings; a number out of range must still
        # stop here, not as a TypeError deep in an engine.
        for name in LIMITS:
            value = getattr(self, name)
            if value is not None:
                _to_int(name, value, "Settings", text=False)
        for name in CHOICES:
            _to_text(name, getattr(self, name), "Settings")

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
    "threads": int,
    "shortlist": bool,
    "reverse_model": str,
}
#: The least and most each whole-number setting may be, whatever sets it (cli.py's flags use
#: the same). The upper bounds stop a typo, or 10^20, before it reaches an engine, where it
#: overflows or exhausts memory; each is far above any useful value.
LIMITS: dict[str, tuple[int, int]] = {
    # Beam search stops improving translations at about 4-8 beams while every beam costs time
    # and memory; 64 is already two sentences per call under the CPU's 128-hypothesis cap.
    "num_beams": (1, 64),
    # More sentences than any article has; the token budget makes calls smaller than this anyway.
    "batch_size": (1, 8_192),
    # The CUDA default is 4,096 padded tokens per GiB of free memory: this admits a 1 TiB card.
    "max_batch_tokens": (1, 4_194_304),
    # Each round cuts the sentences still at their cap in two again: 10 rounds is pieces of
    # 1/1024th, and rounds end early once nothing hits the cap.
    "retries": (0, 10),
    # More than any machine wirebrief runs on has cores; past the cores, threads only contend.
    "threads": (1, 4_096),
}
#: The inference engines; "auto" picks per device (engine.choose_engine).
ENGINES = ("auto", "torch", "ctranslate2")
CHOICES: dict[str, tuple[str, ...]] = {"device": DEVICES, "engine": ENGINES}
ENV_PREFIX = "WIREBRIEF_"
#: A config file is a few lines; anything this big is some other file (or /dev/zero).
MAX_CONFIG_BYTES = 1 << 20
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} does not exist") from None
        return {}
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror or error}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KiB: not a wirebrief config file")
    try:
        # A byte-order mark is how some editors say UTF-8; it is not content.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})",
            hint="a config file is TOML, e.g. num_beams = 4",
        ) from None
    try:
        data = tomllib.loads(text)
    except ValueError as error:  # TOMLDecodeError, or an integer of thousands of digits
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(_SETTING_TYPES))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting {', '.join(unknown)}",
            hint=f"known settings: {', '.join(_SETTING_TYPES)}",
        )
    return data


def _shown(value: Any) -> str:
    """A value as the user wrote it, cut short: an error is one line, whatever the value."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bad(name: str, place: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(f"{name} in {place} must be {expected}, not {_shown(value)}")


def _to_bool(name: str, value: Any, place: str, *, text: bool) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if text and isinstance(value, str) else None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise _bad(name, place, "true or false", value)


def _to_int(name: str, value: Any, place: str, *, text: bool) -> int:
    least, most = LIMITS[name]
    expected = f"a whole number from {least} to {most}"
    if text and isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _bad(name, place, expected, value) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(name, place, expected, value)
    if value < least:
        raise ConfigError(f"{name} in {place} must be at least {least}, not {value}")
    if value > most:
        raise ConfigError(f"{name} in {place} must be at most {most}, not {_shown(value)}")
    return value


def _to_text(name: str, value: Any, place: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, place, "a non-empty string", value)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise _bad(name, place, "a string without control characters", value)
    if name in CHOICES and value not in CHOICES[name]:
        raise _bad(name, place, f"one of {', '.join(CHOICES[name])}", value)
    return value


def _to_path(name: str, value: Any, place: str) -> Path:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    text = _to_text(name, value, place) if isinstance(value, str) else None
    if text is None:
        raise _bad(name, place, "a path (a string)", value)
    try:
        return Path(text).expanduser()
    except RuntimeError:  # ~someone for a user that does not exist
        raise _bad(name, place, "a path whose ~ names a known home folder", value) from None


def _convert(name: str, value: Any, place: str, *, text: bool) -> Any:
    """Check one value from one source and return it as the setting's type.

    `text` says the source gives only strings (the environment), to be parsed; the config
    file and flags give typed values, so 12 is not a path there and "4" not a number.
    """
    kind = _SETTING_TYPES[name]
    if kind is bool:
        return _to_bool(name, value, place, text=text)
    if kind is int:
        return _to_int(name, value, place, text=text)
    if kind is Path:
        return _to_path(name, value, place)
    return _to_text(name, value, place)


def _candidates(
    name: str, flags: Mapping[str, Any], environ: Mapping[str, str], from_file: Mapping[str, Any], path: Path
) -> list[tuple[str, Any]]:
    """Every source's value for one setting, highest precedence first, each checked: a bad
    value is an error even where a higher source overrides it, or it would surface the day
    that source is dropped."""
    found: list[tuple[str, Any]] = []
    if name in flags:
        found.append(("flag", _convert(name, flags[name], "flag", text=isinstance(flags[name], str))))
    env_name = f"{ENV_PREFIX}{name.upper()}"
    if environ.get(env_name, "") != "":
        found.append(("env", _convert(name, environ[env_name], f"environment variable {env_name}", text=True)))
    if name in from_file:
        found.append(("config", _convert(name, from_file[name], f"config file {path}", text=False)))
    return found


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
        found = _candidates(name, flags, environ, from_file, path)
        if found:
            origins[name], values[name] = found[0]
        else:
            origins[name] = "default"
    # The Hugging Face switch means the same thing, so honour it as a default for ours.
    # Like huggingface_hub, any value but a recognised "true" means online.
    if origins["offline"] == "default" and environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        values["offline"], origins["offline"] = True, "HF_HUB_OFFLINE"
    return Settings(**values, origins=origins)
