"""Errors meant for people: each carries one line that names what was wrong and where."""

from __future__ import annotations


class NnjaxError(Exception):
    """Base class: the command line prints ``str(error)`` on one line and exits non-zero."""


class ConfigError(NnjaxError):
    """A config field, flag, grid or config file is invalid.

    What a caller needs to say where the bad value came from (a flag, ``--config-file``, a sweep's grid),
    given as keywords where the error is made:

    ``fields``: every config field the error depends on (the bad one first), or () when it is about no
    field; ``config.validate`` and ``checkpoint.default_folder`` set it.
    ``unused``: the field that is set but does nothing in this config (``config.validate``; a sweep
    refuses it once for all its members when no member uses it), or None.
    ``shared``: the same error without the sweep member's name, when no grid field caused it (every
    member shares it, so a caller says it once; ``sweep_grid.expand``), or None.
    """

    def __init__(
        self,
        *args: object,
        fields: tuple[str, ...] = (),
        unused: str | None = None,
        shared: ConfigError | None = None,
    ) -> None:
        super().__init__(*args)
        self.fields = fields
        self.unused = unused
        self.shared = shared


class DataError(NnjaxError):
    """A data folder, IDX file or tfds data set is missing, corrupt or unreachable."""


class CheckpointError(NnjaxError):
    """A run folder, checkpoint or exported file is missing, corrupt or incompatible."""


class ParamsError(NnjaxError, ValueError):
    """Parameters given as one network are not one: not a list of ``{"W", "b"}`` layers, or stacked as an
    ensemble (``train.unstack`` gives one member). Also a ValueError, which it was before it was an NnjaxError."""


class DivergedError(NnjaxError):
    """Training produced a non-finite loss or non-finite parameters."""


def first_line(e: BaseException) -> str:
    """The first line of another library's error (for one line of ours), or its class name if it says nothing."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
