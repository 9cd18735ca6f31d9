"""Domain errors. Library code raises these; only the CLI turns them into exit codes.

Each class carries the exit code the command line uses for it, so the mapping lives in one
place and the README's table can be checked against it by a test.
"""

from __future__ import annotations


class WirebriefError(Exception):
    """Base class of every error wirebrief raises on purpose."""

    exit_code = 1
    #: A short hint printed after the message, e.g. how to fix it.
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        """The message and hint as a single line, for stderr."""
        text = " ".join(str(self).split())
        if self.hint:
            text = f"{text} ({' '.join(self.hint.split())})"
        return text


class UsageError(WirebriefError):
    """An option or argument that makes no sense (unknown tier, unsupported language, ...)."""

    exit_code = 2


class InputError(WirebriefError):
    """The input cannot be read as an article: missing, binary, empty, no article on the page,
    or a language that cannot be told."""

    exit_code = 3


class FetchError(InputError):
    """A URL could not be fetched: network failure, timeout, HTTP error, not a web page."""

    exit_code = 9


class ModelError(WirebriefError):
    """A model is missing, cannot be fetched (offline), or cannot be loaded."""

    exit_code = 4


class ModelNotFoundError(ModelError):
    """The model is neither a local folder nor in the Hugging Face cache, and cannot be fetched."""


class GenerationError(WirebriefError):
    """The model failed while generating (out of memory, a backend error)."""

    exit_code = 5


class OutputError(WirebriefError):
    """A result could not be written: disk full, no permission, a path that is a folder, a
    closed standard output. The environment's fault, not a bug, so not exit 1."""

    exit_code = 10


class ConfigError(WirebriefError):
    """A configuration file or prompt file is invalid."""

    exit_code = 6


class PromptError(ConfigError):
    """A prompt file is invalid or a template variable is missing."""


#: Exit code for Ctrl-C (or SIGTERM), the shell convention 128 + SIGINT.
EXIT_INTERRUPTED = 130
#: Exit code of a batch run in which some inputs failed (the others have their results).
EXIT_PARTIAL = 7
#: Exit code when findings reached the --fail-on severity (the output is still written).
EXIT_CHECKS = 8

#: Exit code when the reader of stdout went away (`| head`), the shell convention 128 + SIGPIPE.
EXIT_BROKEN_PIPE = 141

#: Every exit code the CLI can return, for the README and its test.
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected internal error (a bug: please report it with --debug output)",
    UsageError.exit_code: "usage error: bad option, argument or combination",
    InputError.exit_code: "input error: unreadable, binary, empty, no article on the page, or a language that cannot be told",
    ModelError.exit_code: "model error: model missing, not downloadable (offline) or not loadable",
    GenerationError.exit_code: "generation failed (e.g. out of memory)",
    ConfigError.exit_code: "configuration or prompt file invalid",
    FetchError.exit_code: "a URL could not be fetched (network, timeout, HTTP error, not a web page, too large)",
    OutputError.exit_code: "output could not be written (disk full, no permission, a path that is a folder, standard output closed)",
    EXIT_PARTIAL: "batch: some inputs failed (see the manifest); the others have their results",
    EXIT_CHECKS: "findings reached the --fail-on severity (the result is still printed or written)",
    EXIT_BROKEN_PIPE: "the reader of standard output went away (e.g. `| head`); nothing more is written",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}
