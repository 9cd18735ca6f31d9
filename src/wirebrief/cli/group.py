"""The command group's error handling: library errors become one line on stderr and their exit
code; --debug (or WIREBRIEF_DEBUG=1) shows the traceback instead. click's own output (--help,
--version) goes out as a result does: whole, or 141 for a reader gone, or one line and exit 10."""

from __future__ import annotations

import os
from typing import Any, NoReturn

import click

from wirebrief.cli.streams import out, require_stdout, silence_stdout
from wirebrief.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, WirebriefError

DEBUG_ENV = "WIREBRIEF_DEBUG"


def debug_on(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def reader_gone(ctx: click.Context) -> NoReturn:
    """The reader closed the pipe (`| head -1`): stop quietly with 141. stdout goes to /dev/null
    so that the flush at exit does not fail a second time."""
    silence_stdout()
    ctx.exit(EXIT_BROKEN_PIPE)


def refuse(ctx: click.Context, error: WirebriefError) -> NoReturn:
    """A library error as one line on stderr and its exit code (its traceback with --debug)."""
    if debug_on(ctx):
        raise error
    click.echo(f"wirebrief: error: {error.one_line()}", err=True)
    ctx.exit(error.exit_code)


class Group(click.Group):
    """Maps library errors to one line on stderr and their exit code (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            reader_gone(ctx)
        except WirebriefError as error:
            refuse(ctx, error)
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

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _checked_help(super().get_help_option(ctx))

    def resolve_command(
        self, ctx: click.Context, args: list[str],
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            # Before click parses the command's options, so that its --help prints checked too.
            _checked_help(command.get_help_option(ctx))
        return name, command, rest


def print_or_exit(ctx: click.Context, text: str, what: str) -> None:
    """click's own output to stdout, through `out`: click.echo drops it silently when stdout is
    closed, and its write errors would end as a traceback (top level) or an internal error."""
    try:
        require_stdout(what)
        out(text)
    except BrokenPipeError:
        reader_gone(ctx)
    except WirebriefError as error:
        refuse(ctx, error)


def _show_help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        print_or_exit(ctx, ctx.get_help(), "the help")
        ctx.exit()


def _checked_help(option: click.Option | None) -> click.Option | None:
    """A command's --help option, printing through `print_or_exit` instead of click.echo."""
    if option is not None:
        option.callback = _show_help
    return option


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from wirebrief import __version__

        print_or_exit(ctx, f"wirebrief, version {__version__}", "the version")
        ctx.exit()


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().ensure_object(dict)["debug"] = True
    return value


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help=f"Show tracebacks and library logs (also {DEBUG_ENV}=1).",
)

version_option = click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
    help="Show the version and exit.",
)
