"""The click group and its error policy: one-line errors, no tracebacks, meaningful exit codes.

Exit codes: 0 success; 1 a valid request that failed (bad values, no Ramanujan
graph, unwritable path, a verified file that fails); 2 usage errors and
unreadable or invalid files. Set ``EXPANDERMASK_DEBUG=1`` to see tracebacks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from expandermask._version import __version__
from expandermask.exceptions import MaskFileError

EXIT_FAILED = 1
EXIT_INVALID = 2


def check_output(path: Path) -> None:
    """Fail before any long computation when ``path`` cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise click.ClickException(f"cannot write {path}: folder {folder} is not writable")


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type name when empty)."""
    text = str(error).strip()
    if isinstance(error, OSError) and error.strerror and error.filename:
        text = f"{error.filename}: {error.strerror}"
    return text.splitlines()[0] if text else type(error).__name__


class ExpanderGroup(click.Group):
    """A click group that turns every expected failure into ``Error: <one line>``."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Error: aborted", err=True)
            sys.exit(EXIT_FAILED)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            click.echo(f"Error: {error.format_message()}{hint}", err=True)
            sys.exit(EXIT_INVALID)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except MaskFileError as error:
            _maybe_reraise()
            click.echo(f"Error: {first_line(error)}", err=True)
            sys.exit(EXIT_INVALID)
        except (ValueError, RuntimeError, OSError, MemoryError) as error:
            _maybe_reraise()
            click.echo(f"Error: {first_line(error)}", err=True)
            sys.exit(EXIT_FAILED)
        sys.exit(result if isinstance(result, int) else 0)


def _maybe_reraise() -> None:
    if os.environ.get("EXPANDERMASK_DEBUG"):
        raise


@click.group(cls=ExpanderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="expandermask")
def main() -> None:
    """Sparse, verified expander-graph masks for XoRA fine-tuning.

    \b
    Main job:  expandermask generate --left 768 --right 8 --dl 2
    Check:     expandermask verify xora_768x8_dl2_random_s0.npz
    """
