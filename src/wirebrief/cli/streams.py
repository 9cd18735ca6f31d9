"""Where wirebrief's output goes: results to stdout, written whole or failing clearly;
progress, notes and library logs to stderr, each line once.

The CLI writes every result through `out`, so `wirebrief brief - --format json | jq` always
works and a full disk or a reader gone is an exit code, never a cut-off result with exit 0.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any, TextIO


def stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def quiet_libraries(debug: bool) -> None:
    """Library logs off stderr unless debugging, and never a line twice.

    transformers' advice, download bars and the hub client's retry ladder are for --debug: a
    model that cannot be fetched is said in one line (models.ensure_fetchable).
    """
    import logging

    if not debug:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Our spinner shows progress; transformers' weight-loading bars would only add noise.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        # Read when the hub client is imported; the level covers one imported already.
        os.environ.setdefault("HF_HUB_VERBOSITY", "error")
    # Set either way: a quiet run earlier in the same process must not silence a --debug one.
    logging.getLogger("huggingface_hub").setLevel(logging.INFO if debug else logging.ERROR)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if debug else logging.WARNING,
        format="wirebrief: %(levelname)s: %(message)s" if debug else "wirebrief: warning: %(message)s",
    )
    shown = _ShownOnce(debug)
    fitted = []
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, _ShownOnce) for existing in handler.filters):
            handler.addFilter(shown)
            fitted.append(handler)

    def unfit() -> None:
        # The filter belongs to this command: a program that runs wirebrief's commands in its
        # own process (a test runner, a notebook) gets its handlers back as they were.
        for handler in fitted:
            handler.removeFilter(shown)

    import click

    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(unfit)


class _ShownOnce:
    """The root handler's filter: a record a library's own handler printed already is not
    printed again (huggingface_hub, and transformers under CI, give their loggers a handler and
    still let records propagate), and without --debug only wirebrief's warnings and libraries'
    errors pass (trafilatura's "discarding data" is not the reader's business)."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    def filter(self, record) -> bool:
        import logging

        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None and logger.parent is not None:
            if logger.handlers:
                return False
            if not logger.propagate:
                break
            logger = logger.parent
        ours = record.name == "wirebrief" or record.name.startswith("wirebrief.")
        return self.debug or ours or record.levelno >= logging.ERROR


def silence_stdout() -> None:
    """Point fd 1 at /dev/null, so that what is still buffered cannot fail again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def require_stdout(what: str = "the result") -> TextIO:
    """sys.stdout, or an OutputError (exit 10) when the program started with fd 1 closed (`>&-`)."""
    from wirebrief.errors import OutputError

    if sys.stdout is None:
        raise OutputError(f"standard output is closed: {what} cannot be written",
                          hint="redirect it to a file or a pipe")
    return sys.stdout


def out(text: str = "", *, nl: bool = True) -> None:
    """Write a result to stdout: all of it, or a clear error.

    Every result goes through here and is flushed at once, so a full disk or a closed stdout
    is an `OutputError` (exit 10) and a reader gone is a BrokenPipeError (exit 141), never a
    silent exit 0 with part of the result, and never an error at the interpreter's exit.
    """
    from wirebrief.errors import OutputError

    stream = require_stdout()
    text = text + "\n" if nl else text
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # an in-memory stream (tests, embedding): nothing to count
        stream.write(text)
        stream.flush()
        return
    data = text.encode(stream.encoding or "utf-8", errors="backslashreplace")
    try:
        stream.flush()
        # Straight to the descriptor, counting: a buffered write into a pipe whose reader
        # left part-way reports success for what it never wrote.
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        raise
    except OSError as error:
        silence_stdout()
        raise OutputError(f"cannot write the result to standard output: {error.strerror or error}") from None


def print_rich(*renderables: Any) -> None:
    """Rich output, rendered for this terminal (width, colours, NO_COLOR) and written by `out`.

    A console on stdout is only asked what the terminal is like; the rendering goes to a
    console of its own on a string. A console on stdout writes to it by itself (when a capture
    ends, for one), and unbuffered (PYTHONUNBUFFERED=1) that write would meet a full disk or a
    gone reader outside `out`.
    """
    from rich.console import Console

    probe = Console(file=sys.stdout if sys.stdout is not None else io.StringIO())
    rendered = io.StringIO()
    console = Console(
        file=rendered, width=probe.width, height=probe.height, color_system=probe.color_system,
        force_terminal=probe.is_terminal, no_color=probe.no_color, legacy_windows=False,
    )
    for renderable in renderables:
        console.print(renderable)
    out(rendered.getvalue(), nl=False)


def hold_closed_streams() -> None:
    """Hold a closed fd 0, 1 or 2 on /dev/null.

    Otherwise the next file opened (the cache, a result) would get that number, and anything
    printed would land in it. `sys.stdout` stays None for a closed stdout, so `out` still
    refuses to drop a result there.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
