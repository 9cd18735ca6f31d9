"""The options several commands share, and the settings they resolve to.

Choice lists come from `wirebrief.options` and `wirebrief.config`, which import nothing heavy,
so `wirebrief --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from wirebrief.config import DEVICES, ENGINES, LIMITS
from wirebrief.options import FAIL_ON, FINDINGS_VIEWS, INPUT_FORMATS, VERIFY, VIEW_FORMATS

_TRANSLATION_MODEL_HELP = "Translation model: hub id, alias or local folder [env WIREBRIEF_TRANSLATION_MODEL]."


def _model_option_list() -> list[tuple[str, Callable]]:
    """(name, decorator) for each model option, in the order --help lists them."""
    return [
        ("translation_model", click.option("--translation-model", metavar="NAME|PATH", help=_TRANSLATION_MODEL_HELP)),
        ("summary_model", click.option("--summary-model", metavar="NAME|PATH", help="Summary model: hub id, alias or local folder [env WIREBRIEF_SUMMARY_MODEL].")),
        ("device", click.option("--device", type=click.Choice(DEVICES), help="Where to run the models (auto: cuda > mps > cpu).")),
        ("batch_size", click.option("--batch-size", type=click.IntRange(*LIMITS["batch_size"]), help="Most sentences in one model call.")),
        ("max_batch_tokens", click.option("--max-batch-tokens", type=click.IntRange(*LIMITS["max_batch_tokens"]), help="Padded tokens in one model call (inputs+outputs x beams).")),
        ("num_beams", click.option("--num-beams", type=click.IntRange(*LIMITS["num_beams"]), help="Beam width for translation (default 4).")),
        ("offline", click.option("--offline/--online", default=None, help="Never try to download a model (also HF_HUB_OFFLINE=1).")),
        ("prompts_dir", click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers.")),
        ("engine", click.option("--engine", type=click.Choice(ENGINES), help="Inference engine (auto: CTranslate2 int8 on CPU when installed, else torch).")),
        ("cache", click.option("--cache", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="The translation cache file (default: in the user cache folder).")),
        ("no_cache", click.option("--no-cache", is_flag=True, default=None, help="Neither read nor write the translation cache.")),
        ("threads", click.option("--threads", type=click.IntRange(*LIMITS["threads"]), help="CPU threads the models compute with (default: the CPUs this process may use) [env WIREBRIEF_THREADS].")),
        ("shortlist", click.option("--shortlist/--no-shortlist", default=None, help="CTranslate2: restrict an opus-mt model's output to its target-language vocabulary (faster; off by default) [env WIREBRIEF_SHORTLIST].")),
        ("reverse_model", click.option("--reverse-model", metavar="NAME|PATH", help="The model that translates back for --verify back (default: the reverse pair's opus-mt model) [env WIREBRIEF_REVERSE_MODEL].")),
        ("retries", click.option("--retries", type=click.IntRange(*LIMITS["retries"]), help="Rounds of cutting and retrying a translation that hits its length cap (default 2).")),
        ("glossary", click.option("--glossary", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="Terms that must be translated a given way (TSV or TOML), checked on every sentence.")),
    ]


def model_options(command: Callable) -> Callable:
    """Options that choose and run the models, shared by every command that loads one."""
    for _name, option in reversed(_model_option_list()):
        command = option(command)
    return command


#: What `check --score` needs of the model options: the translation model and how it runs
#: (no summary model or prompts, no cache: scores are not cached; check has its own glossary).
_SCORING = ("translation_model", "device", "batch_size", "max_batch_tokens", "offline", "engine", "threads", "shortlist")


def scoring_model_options(command: Callable) -> Callable:
    for name, option in reversed(_model_option_list()):
        if name in _SCORING:
            command = option(command)
    return command


def settings_from(**flags: Any):
    """Settings from the flags given (None: not given), the environment, the config file."""
    from wirebrief.config import resolve_settings

    if "no_cache" in flags:
        flags["use_cache"] = False if flags.pop("no_cache") else None
    return resolve_settings({key: value for key, value in flags.items()})


def _format_default(_ctx: click.Context, _param: click.Parameter, requested: str | None) -> str:
    """The one place a missing --format is decided: Rich on a terminal, plain text anywhere else."""
    if requested:
        return requested
    return "rich" if sys.stdout is not None and sys.stdout.isatty() else "text"


def format_option(choices: Sequence[str] = VIEW_FORMATS) -> Callable:
    return click.option("--format", "output_format", type=click.Choice(choices), callback=_format_default,
                        help="Output format (default: rich on a terminal, text in a pipe).")


source_argument = click.argument("source", metavar="SOURCE", type=str)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress or notes on stderr; errors still show.")
tiers_option = click.option("--tiers", metavar="LIST", help="Comma-separated tiers, or none (default: headline,lede,summary,key_points).")
target_option = click.option("--target-lang", default="en", show_default=True, help="Language to brief in.")
source_lang_option = click.option("--source-lang", default="auto", show_default=True, help="Language of the article (ISO 639-1 code); auto detects it and refuses when unsure.")
input_format_option = click.option(
    "--input-format", type=click.Choice(INPUT_FORMATS), default="auto", show_default=True,
    help="What the input is; auto tells from the content (then the file name).",
)
fail_on_option = click.option(
    "--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
    help="Exit with code 8 when a finding reaches this severity (the result is still written).",
)
side_option = click.option("--side-by-side", is_flag=True, help="Show each source paragraph beside its translation (rich, markdown).")
findings_option = click.option(
    "--findings", "findings_view", type=click.Choice(FINDINGS_VIEWS), default="summary", show_default=True,
    help="The Rich view's checks: counts and the most serious (summary), or every finding (all). JSON, Markdown and HTML always list all.",
)
verify_option = click.option(
    "--verify", type=click.Choice(VERIFY), default="none", show_default=True,
    help="back: translate each sentence back with the reverse model and check that against the source (slower).",
)
