"""Errors meant for the people using mllab: one base class the CLI recognises.

A :class:`MllabError` says what is wrong, the expected and the found value, and
what to do, in one line; the CLI prints it without a traceback (``--verbose``
shows it). Library code raises these for bad input; a bug stays an ordinary
exception.

>>> try:
...     raise ConfigError("training.epochs: expected an integer >= 1, found 0")
... except MllabError as err:
...     print(err)
training.epochs: expected an integer >= 1, found 0
"""

from __future__ import annotations


class MllabError(Exception):
    """Base of every error whose message is meant for the user (printed as one line by the CLI)."""


class ConfigError(MllabError, ValueError):
    """A config file or override is invalid; the message names the key path."""


class UnknownNameError(MllabError, KeyError):
    """A name that no registry holds; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotARunError(MllabError, FileNotFoundError):
    """A path that is not a run folder (or not the kind of folder a command needs)."""


class NonFiniteLossError(MllabError, FloatingPointError):
    """Training produced a NaN or inf (loss, activation or gradient), in either engine; the last good
    checkpoint is kept and the run is recorded as ``diverged``."""
