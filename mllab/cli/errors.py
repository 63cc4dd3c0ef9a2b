"""How the CLI reports a user's mistake: one line on stderr, exit status 2, the traceback only with --verbose.

Errors meant for users are :class:`~mllab.core.errors.MllabError` (and the
standard lookups and validations that carry a message for them: unknown keys,
bad values, missing files, a disk that refuses a write); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import typer

log = logging.getLogger("mllab.cli")


def fail(message: str) -> None:
    """Print ``error: message`` and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@contextmanager
def user_errors():
    """Turn a user-facing error raised inside the block into one line and exit status 2."""
    from pydantic import ValidationError

    from mllab.core.errors import MllabError

    from mllab.core.files import storage_error

    try:
        yield
    except (MllabError, KeyError, ValueError, FileNotFoundError, ValidationError) as err:
        log.debug("traceback of the error below", exc_info=True)
        fail(str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err))
    except PermissionError as err:  # reading or writing: the user's to fix, not a bug
        log.debug("traceback of the error below", exc_info=True)
        fail(f"{err.filename or 'a file'}: permission denied; check its owner and mode")
    except OSError as err:  # the disk refusing a write (full, read-only) is the user's to fix
        if (unwritable := storage_error(err)) is None:
            raise
        log.debug("traceback of the error below", exc_info=True)
        fail(str(unwritable))
