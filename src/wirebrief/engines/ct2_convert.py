"""Converting a Hugging Face model for CTranslate2, once per model and storage type.

The copy is kept under the user cache folder and reused by every later run; `Converting` is
the part of `ct2.CTranslate2Engine` that makes and finds it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from wirebrief.engines.base import first_line
from wirebrief.engines.ct2_shortlist import write_vocabulary_map
from wirebrief.errors import ModelError
from wirebrief.models import ModelRef, ensure_fetchable, fingerprint, missing_model_error

#: The engine's own logger: converting is part of what the CTranslate2 engine does.
log = logging.getLogger("wirebrief.engines.ct2")

#: Said whenever ctranslate2 is needed but not installed.
INSTALL_HINT = "install the fast extra: pip install 'wirebrief[fast]'"
#: Weight files the converter can read; a hub snapshot without them is only half downloaded.
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
#: Converted-model files naming the target vocabulary, in the order CTranslate2 looks for them.
_VOCABULARY_FILES = (
    "target_vocabulary.json",
    "shared_vocabulary.json",
    "target_vocabulary.txt",
    "shared_vocabulary.txt",
)
#: Half-finished conversions (a killed process) older than this are removed by the next one.
_STALE_SECONDS = 24 * 3600


def import_ctranslate2():  # -> the ctranslate2 module
    """ctranslate2, or a ModelError saying how to install it."""
    try:
        import ctranslate2
    except ImportError:
        raise ModelError(
            "the ctranslate2 engine needs the ctranslate2 package, which is not installed", hint=INSTALL_HINT
        ) from None
    return ctranslate2


def storage_quantization(compute_type: str) -> str:
    """How weights are stored on disk for a compute type: int8, float16, bfloat16 or float32.

    Every int8 compute type shares one int8 conversion: int8_float16 and int8_bfloat16 differ
    from int8 only in the type of the non-quantized layers, which CTranslate2 casts at load.
    """
    return "int8" if compute_type.startswith("int8") else compute_type


def safe_name(text: str) -> str:
    """A folder name for a model fingerprint: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text.replace("/", "--")).strip("-.") or "model"


class Converting:
    """Conversion for an engine that has `ref`, `model`, `role`, `offline`, `compute_type`,
    `convert_root` and `shortlist`."""

    ref: ModelRef
    model: str
    role: str
    offline: bool
    compute_type: str
    convert_root: Path
    #: Tokens written as the converted model's vocabulary map (see ct2_shortlist), or None.
    shortlist: list[str] | None

    def convert(self) -> Path:
        """The converted model folder, converting once per model and storage type.

        Storage matches the compute type (int8 weights for every int8 compute type, float16
        or bfloat16 and float32 as such) rather than one float32 master converted at
        load: the default CPU path is int8, whose folder is a quarter of the float32 size and
        loads faster, and a float32 master would keep 4 bytes a weight on disk for every model,
        where int8 needs 1, whether or not float32 is ever run. A second compute type costs one
        more conversion, once.

        Concurrency: the conversion is written to a temporary folder beside the target and
        renamed into place, so a folder under its final name is always complete. When two
        processes convert at once, the first rename wins and the other discards its copy.
        """
        quantization = storage_quantization(self.compute_type)
        target = self._converted_folder(quantization)
        if _is_converted(target):
            return target
        source = self._source_folder()
        # Downloading missing weights may have brought a newer snapshot, hence a new fingerprint.
        target = self._converted_folder(quantization)
        if _is_converted(target):
            return target
        name = target.name
        try:
            self.convert_root.mkdir(parents=True, exist_ok=True)
            _remove_stale_staging(self.convert_root, name)
            staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=self.convert_root))
        except OSError as error:
            raise ModelError(
                f"cannot write converted models to {self.convert_root}: {first_line(error)}"
            ) from None
        try:
            log.info("converting %s to CTranslate2 (%s) in %s", self.model, quantization, target)
            self._run_converter(source, staging, quantization)
            try:
                os.rename(staging, target)
            except OSError:
                if not _is_converted(target):
                    raise
                log.info("another process converted %s first; using its copy", self.model)
        except OSError as error:
            raise ModelError(
                f"cannot write the converted {self.role} model to {target}: {first_line(error)}"
            ) from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return target

    def _converted_folder(self, quantization: str) -> Path:
        """Where this model's conversion to `quantization` lives: one folder per model identity,
        and another for the same with a shortlist (a folder is never changed once renamed)."""
        suffix = "-shortlist" if self.shortlist else ""
        return self.convert_root / f"{safe_name(fingerprint(self.ref))}-{quantization}{suffix}"

    def _run_converter(self, source: Path, output: Path, quantization: str) -> None:
        from ctranslate2.converters import TransformersConverter

        class Converter(TransformersConverter):
            """The stock converter, told the truth about T5's output scaling under transformers 5.

            CTranslate2 scales T5's decoder output by d_model**-0.5 when the config says
            tie_word_embeddings. transformers 5 forces that flag to True for every T5 and keeps
            the real switch in scale_decoder_outputs (False for T5 v1.1 and flan-t5). Left as
            is, the converted flan-t5 has logits flattened by sqrt(d_model): greedy decoding
            is unchanged (same argmax), but beam search and scores are not.
            """

            def load_model(self, model_class, model_name_or_path, **kwargs):
                model = super().load_model(model_class, model_name_or_path, **kwargs)
                scale = getattr(model.config, "scale_decoder_outputs", None)
                if scale is not None:
                    model.config.tie_word_embeddings = bool(scale)
                return model

        try:
            Converter(str(source)).convert(
                str(output),
                # Explicit even for float32: a float16 checkpoint is then stored as float32 too.
                quantization=quantization,
                force=True,
            )
            if self.shortlist:
                write_vocabulary_map(output, self.shortlist)
        except Exception as error:  # noqa: BLE001 - the converter raises many types; all mean "cannot convert"
            raise ModelError(
                f"{self.role} model {self.model} cannot be converted for CTranslate2: {first_line(error)}",
                hint="use --engine torch for this model",
            ) from None

    def _source_folder(self) -> Path:
        """The folder to convert from: the local folder, or the hub model's cached snapshot.

        A hub model is converted from the snapshot whose commit its fingerprint names. The
        weights are downloaded only when they are missing and offline mode is off.
        """
        if self.ref.is_local:
            return Path(self.ref.location)
        from huggingface_hub import try_to_load_from_cache

        config = try_to_load_from_cache(self.ref.location, "config.json")
        if isinstance(config, str) and _has_weights(Path(config).parent):
            return Path(config).parent
        ensure_fetchable(self.ref, self.role, offline=self.offline)
        if self.offline:
            # Its config is here but not its weights: nothing to convert from.
            raise missing_model_error(self.ref, self.role, offline=True)
        from wirebrief.models import pull

        return pull(self.ref.location)


def _has_weights(folder: Path) -> bool:
    return any(next(folder.glob(pattern), None) is not None for pattern in _WEIGHT_PATTERNS)


def _is_converted(folder: Path) -> bool:
    """A converted model folder is complete once it exists: it only appears by rename."""
    return (folder / "model.bin").is_file()


def _remove_stale_staging(root: Path, name: str) -> None:
    """Remove this model's half-finished conversions left by killed processes, if old."""
    cutoff = time.time() - _STALE_SECONDS
    for path in root.glob(f".{name}.*.partial"):
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def _read_vocabulary(folder: Path) -> set[str]:
    """The target vocabulary of a converted model (JSON list or one token a line)."""
    import json

    for name in _VOCABULARY_FILES:
        path = folder / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if name.endswith(".json"):
                return set(json.loads(text))
            return set(text.splitlines())
    raise ModelError(
        f"converted model {folder} has no vocabulary file", hint=f"delete {folder} to convert again"
    )
