"""Errors meant for people: each carries one line that names what was wrong and where."""


class NnjaxError(Exception):
    """Base class: the command line prints ``str(error)`` on one line and exits non-zero."""


class ConfigError(NnjaxError):
    """A config field, flag, grid or config file is invalid."""


class DataError(NnjaxError):
    """A data folder, IDX file or tfds data set is missing, corrupt or unreachable."""


class CheckpointError(NnjaxError):
    """A run folder, checkpoint or exported file is missing, corrupt or incompatible."""


class DivergedError(NnjaxError):
    """Training produced a non-finite loss or non-finite parameters."""
