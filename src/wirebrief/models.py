"""Model names resolved in one place: aliases, hub ids, local folders, and what is present."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirebrief.errors import ModelError, ModelNotFoundError, UsageError, WirebriefError

#: Short names a user may type, and the hub ids they stand for.
ALIASES: dict[str, str] = {
    "opus-mt-nl-en": "Helsinki-NLP/opus-mt-nl-en",
    "flan-t5-small": "google/flan-t5-small",
    "flan-t5-base": "google/flan-t5-base",
    "flan-t5-large": "google/flan-t5-large",
    "flan-t5-xl": "google/flan-t5-xl",
}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}$")
#: Weight formats we never load (TensorFlow, Flax, Rust, ONNX): skipped by `models pull`.
_OTHER_FRAMEWORKS = ["*.h5", "*.msgpack", "*.ot", "*.onnx", "tf_model*", "flax_model*", "rust_model*"]


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: a local folder or a hub id, with what the user typed."""

    name: str
    location: str
    is_local: bool


def resolve(name: str) -> ModelRef:
    """Turn what the user typed into a local folder or a hub id, or say what is valid."""
    name = name.strip()
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelRef(name, str(path.resolve()), is_local=True)
    if name in ALIASES:
        return ModelRef(name, ALIASES[name], is_local=False)
    looks_like_path = name.startswith((".", "/", "~")) or os.sep in name.replace("/", "", 1)
    if _HUB_ID.match(name) and not looks_like_path:
        return ModelRef(name, name, is_local=False)
    if looks_like_path or path.exists():
        raise ModelNotFoundError(
            f"model folder {name} does not exist" if not path.exists() else f"{name} is not a folder",
            hint="pass a folder made by save_pretrained, or a hub id such as Helsinki-NLP/opus-mt-nl-en",
        )
    raise UsageError(
        f"unknown model {name!r}",
        hint=f"use a local folder, a hub id (org/name) or one of: {', '.join(ALIASES)}",
    )


def hub_cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def is_present(ref: ModelRef) -> bool:
    """Whether the model can be loaded without a network: a folder, or in the hub cache."""
    if ref.is_local:
        return (Path(ref.location) / "config.json").is_file()
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(ref.location, "config.json"), str)


def model_status(name: str) -> dict[str, Any]:
    """Where a model is and whether it is there, without loading it; a name that cannot be
    resolved gives its error instead of a location."""
    try:
        ref = resolve(name)
    except WirebriefError as error:
        return {"model": name, "location": None, "present": False, "error": error.one_line()}
    return {"model": name, "location": ref.location, "present": is_present(ref)}


def missing_model_error(ref: ModelRef, role: str, *, offline: bool, unreachable: str | None = None) -> ModelNotFoundError:
    """The one line a user sees when a model is not there, with how to provide it.

    `unreachable` is why the hub could not be reached, when a probe said so.
    """
    if offline:
        why = "offline mode is on"
    elif unreachable:
        why = f"the Hugging Face hub ({hub_endpoint()}) could not be reached: {unreachable}"
    else:
        why = "it could not be downloaded"
    flags = {"translation": "--translation-model", "summary": "--summary-model"}
    pull = f"run `wirebrief models pull {ref.location}` with internet"
    # The pivot into English and the tiers' translation are chosen by the routing table alone.
    hint = f"{pull}, or pass {flags[role]} PATH to a local copy" if role in flags else f"{pull} (see `wirebrief models plan`)"
    return ModelNotFoundError(
        f"{role} model {ref.location} is not in the Hugging Face cache ({hub_cache_dir()}) and {why}", hint=hint
    )


#: How long the one probe of the hub may take, name lookup included. The hub client's own
#: retry ladder took 46 s to give up without a network; a hub that is there answers in well
#: under a second.
PROBE_SECONDS = 2.5
_probe_lock = threading.Lock()
#: endpoint -> None when it answered, else why not; a process probes each endpoint once.
_probe_results: dict[str, str | None] = {}


def hub_endpoint() -> str:
    """The hub the Hugging Face client talks to. HF_ENDPOINT is read here too, not only at
    huggingface_hub's import, so a process that sets it later still probes the right host."""
    from_env = os.environ.get("HF_ENDPOINT", "").strip()
    if from_env:
        return from_env.rstrip("/")
    from huggingface_hub import constants

    return constants.ENDPOINT


def _ask_hub(endpoint: str, outcome: list[str | None]) -> None:
    import http.client
    import ssl
    import urllib.error
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a redirect is an answer: the hub is there

    opener = urllib.request.build_opener(_NoRedirect)  # honours *_proxy like the hub client
    try:
        request = urllib.request.Request(endpoint + "/", method="HEAD", headers={"User-Agent": "wirebrief"})
        with opener.open(request, timeout=PROBE_SECONDS):
            outcome.append(None)
    except urllib.error.HTTPError as error:
        # Any answer under 500 means a server is there; a 5xx is most often a proxy that
        # could not reach the hub itself.
        outcome.append(None if error.code < 500 else f"it answered HTTP {error.code}")
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLError):
            # Something answered; Python's certificate store may lack what the hub client's
            # bundle has, so let the client judge the certificate.
            outcome.append(None)
        else:
            outcome.append(_describe(error.reason))
    except http.client.HTTPException as error:  # something answered, but not in HTTP
        outcome.append(f"it did not answer in HTTP ({type(error).__name__})")
    except (OSError, ValueError) as error:  # ValueError: an HF_ENDPOINT that is not a URL
        outcome.append(_describe(error))


def _describe(error: object) -> str:
    """An exception in a few words for one line: "Connection refused", not "[Errno 111] ..."."""
    text = getattr(error, "strerror", None) or str(error)
    return " ".join(text.split()) or type(error).__name__


def hub_unreachable() -> str | None:
    """Why the hub cannot be reached (None when it answers), from one short probe per process.

    The probe runs in a daemon thread so that a name lookup that hangs, or a server that
    accepts and never answers, costs PROBE_SECONDS and not the system's own timeouts.
    """
    endpoint = hub_endpoint()
    with _probe_lock:
        if endpoint in _probe_results:
            return _probe_results[endpoint]
        outcome: list[str | None] = []
        worker = threading.Thread(target=_ask_hub, args=(endpoint, outcome), name="wirebrief-hub-probe", daemon=True)
        worker.start()
        worker.join(PROBE_SECONDS)
        result = outcome[0] if outcome else f"no answer within {PROBE_SECONDS:g} s"
        _probe_results[endpoint] = result
        return result


def ensure_fetchable(ref: ModelRef, role: str, *, offline: bool) -> None:
    """Return if the model is here or can be downloaded; else raise its one-line error, fast.

    Call before loading: without a network the hub client retries for most of a minute
    before it gives up, while one short probe says the same in a couple of seconds.
    """
    if is_present(ref):
        return
    if ref.is_local:
        raise ModelNotFoundError(
            f"{role} model folder {ref.location} does not exist or has no config.json",
            hint="pass a folder made by save_pretrained, or a hub id such as Helsinki-NLP/opus-mt-nl-en",
        )
    if offline:
        raise missing_model_error(ref, role, offline=True)
    reason = hub_unreachable()
    if reason is not None:
        raise missing_model_error(ref, role, offline=False, unreachable=reason)


def pull(name: str) -> Path:
    """Download a hub model into the standard Hugging Face cache, with progress on stderr."""
    ref = resolve(name)
    if ref.is_local:
        raise UsageError(f"{name} is a local folder; there is nothing to pull")
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    # Online without a network the hub client retries for most of a minute before it falls
    # back on its cache; after one short probe it asks the cache at once.
    unreachable = None if constants.is_offline_mode() else hub_unreachable()
    try:
        return Path(snapshot_download(ref.location, ignore_patterns=_OTHER_FRAMEWORKS, local_files_only=unreachable is not None))
    except (OfflineModeIsEnabled, LocalEntryNotFoundError):
        if unreachable is not None:
            raise ModelError(
                f"cannot download {ref.location}: the Hugging Face hub ({hub_endpoint()}) could not be reached: {unreachable}",
                hint="check the network, and HF_ENDPOINT or HTTPS_PROXY if set",
            ) from None
        raise ModelError(
            f"cannot download {ref.location}: no connection to the Hugging Face hub or offline mode is on",
            hint="unset HF_HUB_OFFLINE / WIREBRIEF_OFFLINE and check the network",
        ) from None
    except HfHubHTTPError as error:
        raise ModelError(f"cannot download {ref.location}: {error}".splitlines()[0]) from None


#: Files whose content defines what a model computes; hashed into its fingerprint.
_DEFINING_FILES = ("config.json", "generation_config.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".spm", ".model")


def fingerprint(ref: ModelRef) -> str:
    """A short identity of the exact model, computed without loading it.

    A hub model is identified by its repository and the snapshot commit in the cache. A local
    folder by the content of its config and tokenizer files plus the name, size and
    modification time of its weight and vocabulary files (hashing gigabytes of weights on
    every run would cost more than it saves). Two different models never share a
    fingerprint; an untouched model keeps its own across runs, so results cached for it stay
    valid, and a model rebuilt in place gets a new one.
    """
    import hashlib

    digest = hashlib.sha256()
    if ref.is_local:
        folder = Path(ref.location)
        digest.update(b"local\0")
        for name in _DEFINING_FILES:
            path = folder / name
            if path.is_file():
                digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in _WEIGHT_SUFFIXES:
                stat = path.stat()
                digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        return f"local:{digest.hexdigest()[:24]}"
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(ref.location, "config.json")
    if not isinstance(config, str):
        raise missing_model_error(ref, "translation", offline=True)
    # .../models--org--name/snapshots/<commit>/config.json
    commit = Path(config).parent.name
    return f"hub:{ref.location}@{commit}"
