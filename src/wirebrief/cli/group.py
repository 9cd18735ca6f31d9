"""The command group's error handling: library errors become one line on stderr and their exit
code; --debug (or WIREBRIEF_DEBUG=1) shows the traceback instead."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from wirebrief.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, WirebriefError

DEBUG_ENV = "WIREBRIEF_DEBUG"


def debug_on(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


class Group(click.Group):
    """Maps library errors to one line on stderr and their exit code (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader closed the pipe (`| head -1`): stop quietly. Point stdout at /dev/null
            # so that the flush at exit does not fail a second time.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
        except WirebriefError as error:
            if debug_on(ctx):
                raise
            click.echo(f"wirebrief: error: {error.one_line()}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            if debug_on(ctx):
                raise
            click.echo("wirebrief: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as error:  # a bug: one line, and the way to see more
            if debug_on(ctx):
                raise
            message = " ".join(str(error).split()) or type(error).__name__
            click.echo(
                f"wirebrief: internal error: {type(error).__name__}: {message} (rerun with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().ensure_object(dict)["debug"] = True
    return value


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help=f"Show tracebacks and library logs (also {DEBUG_ENV}=1).",
)
