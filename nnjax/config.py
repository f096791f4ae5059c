"""The one typed config of a run, its parsing from flags / JSON, and its validation.

Every field is overridable from the command line (``--lr 0.1 --hidden 16,16``) and from a sweep grid
(``lr=0.1,0.3``). Named starting points live in ``nnjax/configs.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import operator
import os
import struct
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nnjax.errors import ConfigError

CONFIG_FORMAT = 1  # bump when a saved config.json can no longer be read by this code

OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
SCHEDULES = ("constant", "cosine", "warmup_cosine")
DATASETS = ("mnist", "fashion_mnist", "kmnist", "emnist/digits")
# Images per split, for checks and estimates before anything is loaded: (train, test).
DATASET_SIZES = {
    "mnist": (60_000, 10_000),
    "fashion_mnist": (60_000, 10_000),
    "kmnist": (60_000, 10_000),
    "emnist/digits": (240_000, 40_000),
}
N_VALIDATION = 10_000  # training images held out by --validation


def _f(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Config:
    """A training run. Defaults are the video's network: 784-16-16-10, sigmoid."""

    name: str = _f("video", "name of the run (used in the run folder's name)")
    # data
    dataset: str = _f("mnist", "tfds data set: " + ", ".join(DATASETS))
    data_dir: str | None = _f(None, "folder with the raw files to build from offline; else $NNJAX_DATA_DIR")
    tfds_dir: str | None = _f(None, "where tfds keeps built data sets; else $TFDS_DATA_DIR or ~/tensorflow_datasets")
    validation: bool = _f(False, "hold out the last 10,000 training images and report on them instead of test")
    train_size: int | None = _f(
        None,
        "train on the first N training images in tfds's order (after --validation's hold-out), so smaller sizes"
        " are subsets of larger ones; none: all of them",
    )
    standardize: bool = _f(False, "standardise pixels with the MNIST mean 0.1307 / std 0.3081")
    # model
    hidden: tuple[int, ...] = _f((16, 16), "hidden layer sizes, e.g. 16,16 (the video) or 1024,1024")
    activation: str = _f("sigmoid", "activation σ of the hidden layers")
    init: str = _f(
        "auto",
        "scale of the initial weights; auto: the usual one for the activation"
        " (he: ReLU-like, glorot: sigmoid, tanh, lecun: identity)",
    )
    cost: str = _f(
        "cross_entropy",
        "cross_entropy: softmax outputs; quadratic: the video's ½‖σ(z) − y‖²; sigmoid_cross_entropy: Nielsen's"
        " chapter-3 −Σ[y ln σ(z) + (1 − y) ln(1 − σ(z))]; a mini-batch's: the mean of its images'",
    )
    # optimisation
    optimizer: str = _f("adam", "one of " + ", ".join(OPTIMIZERS))
    lr: float = _f(0.01, "peak learning rate")
    momentum: float = _f(0.9, "momentum (optimizer momentum) or b1 (adam, adamw)")
    weight_decay: float = _f(
        2e-4,
        "weight decay: L2 for sgd/momentum/adam; decoupled for adamw, w ← w − lr × weight_decay × w a step, where"
        " 2e-4 hardly decays (the README's Optimiser section chose 0.03 for it)",
    )
    schedule: str = _f(
        "cosine",
        "learning-rate schedule: " + ", ".join(SCHEDULES) + "; cosine ones fall from the peak lr to 0 over --epochs",
    )
    warmup_epochs: int = _f(0, "epochs of linear warm-up (schedule warmup_cosine)")
    batch_size: int = _f(32, "images per mini-batch")
    epochs: int = _f(100, "passes over the training images (also the length of a cosine schedule)")
    seed: int = _f(0, "seed of the initial parameters")
    data_seed: int = _f(0, "seed of the mini-batch order (shared by all members of an ensemble)")
    scan_unroll: int = _f(
        0, "mini-batch steps per iteration of the epoch's loop (0: auto, now 1 everywhere; benchmarks/GPU.md)"
    )
    # run folder
    checkpoint_every: int = _f(5, "epochs between checkpoints (0: only the final one)")
    keep_checkpoints: int = _f(3, "how many of the newest checkpoints to keep")
    keep_epochs: tuple[int, ...] = _f(
        (),
        "epochs whose checkpoints are written and kept for good, e.g. 1,2,5,10 (besides --checkpoint-every's, and"
        " never removed by --keep-checkpoints' rotation); none: no such epochs",
    )

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def resolved_init(self) -> str:
        """The init scheme actually used ('auto' resolved for the activation)."""
        if self.init != "auto":
            return self.init
        from nnjax.activations import DEFAULT_INIT

        return DEFAULT_INIT.get(self.activation, "lecun")


# Fields that name folders (stored absolute).
PATH_FIELDS = ("data_dir", "tfds_dir")
# Fields that never change a run's numbers: where data comes from and how often it is saved.
NON_RESULT_FIELDS = ("name", "data_dir", "tfds_dir", "checkpoint_every", "keep_checkpoints", "keep_epochs")
# Fields that hold a tuple of integers (a JSON list), each with what they are, in Python's words and in a JSON file's.
TUPLE_FIELDS = {
    "hidden": (
        "layer sizes, a tuple of integers such as (16, 16)",
        "layer sizes, a list of integers such as [16, 16]",
    ),
    "keep_epochs": ("epochs, a tuple of integers such as (1, 2, 5)", "epochs, a list of integers such as [1, 2, 5]"),
}
# Fields that change the compiled program: members of one ensemble must agree on all of these.
PROGRAM_FIELDS = (
    "dataset",
    "validation",
    "train_size",
    "standardize",
    "hidden",
    "activation",
    "cost",
    "optimizer",
    "schedule",
    "warmup_epochs",
    "batch_size",
    "epochs",
    "data_seed",
    "scan_unroll",
)


@functools.cache  # read by every validate, ~25 times: uncached, a 1,000-member grid took 10-25 s to check
def _field_types() -> dict[str, Any]:
    """Each config field's type, its annotation evaluated (the same dict every call: read it, never change it)."""
    hints = typing.get_type_hints(Config)
    return {f.name: hints[f.name] for f in fields(Config)}


FIELD_NAMES = tuple(f.name for f in fields(Config))

# help(Config) lists each field with its default and meaning: the flags' help text, from the same metadata.
Config.__doc__ = f"{Config.__doc__}\n\nFields (default: meaning):\n" + "\n".join(
    f"    {f.name} = {f.default!r}: {f.metadata['help']}" for f in fields(Config)
)


def flag_name(field: str) -> str:
    """The command-line flag of a config field: weight_decay → --weight-decay."""
    return "--" + field.replace("_", "-")


def parse_number(text: str, kind: type[int] | type[float] = int) -> Any:
    """``int(text)`` (``kind`` float: ``float(text)``) of text in ASCII only; ValueError otherwise, as theirs.
    Python's own read any script's digits (a full-width ``４``, U+FF14, is 4), where bools (``１``), a JSON file's
    numbers and the table, folder and member names that show a value all take ASCII only: every number nnjax
    reads from text (a flag, a grid, a member or baseline selection, a config file's string) is read here.
    Underscores between digits and spaces around the number are Python's own literal syntax, kept: ``'10_000'`` and
    ``' 10000 '`` are the one value 10000, which names, tables and folders show as 10000 (never the text as typed)."""
    if not text.isascii():
        raise ValueError(f"{text!r}: not ASCII")
    return kind(text)


def non_ascii_note(text: str) -> str:
    """``"; '４' is U+FF14, not ASCII"`` for text that holds a character outside ASCII (``parse_number``
    refuses it, though it may look like a digit), else ''."""
    c = next((c for c in text if not c.isascii()), None)
    return "" if c is None else f"; {c!r} is U+{ord(c):04X}, not ASCII (numbers are written in 0-9)"


def parse_value(field: str, text: str) -> Any:
    """Parse the text of a flag or grid value for ``field``; a bad value names field and value."""
    types_ = _field_types()
    if field not in types_:
        raise ConfigError(f"unknown config field {field!r}; valid: {', '.join(FIELD_NAMES)}")
    kind = types_[field]
    optional = typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in (typing.get_args(kind))
    if optional:
        if text.lower() in ("", "none", "null"):
            return None
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    try:
        if kind is bool:
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            return parse_number(text)
        if kind is float:
            return parse_number(text, float)
        if kind is str:
            # a folder typed relative to here is saved as the folder it names, valid from anywhere
            return local_folder(field, text) if field in PATH_FIELDS else text
        if typing.get_origin(kind) is tuple:
            if text.strip().lower() in ("", "none"):
                return ()
            # hidden: 16,16 or 16x16 (a grid's form); keep_epochs: 1,2,5 only (1x2 is no list of epochs)
            parts = (text if field == "keep_epochs" else text.replace("x", ",")).split(",")
            return tuple(parse_number(p) for p in parts)
    except ValueError:
        listed = "epochs like 1,2,5,10, or none" if field == "keep_epochs" else None
        expected = {bool: "true/false", int: "an integer", float: "a number", str: "text"}.get(
            kind, listed or "layer sizes like 16,16 or 16x16 (in a grid: 16x16), or none"
        ) + (" or none" if optional else "")
        raise ConfigError(
            f"config field {field!r}: cannot parse {text!r} as {expected}{non_ascii_note(text)}"
        ) from None
    raise ConfigError(f"config field {field!r}: unsupported type {kind}")


# Fields added after config_format 1 was fixed: a saved config from before them may lack them, and
# their defaults reproduce those runs (scan_unroll 0 is the loop nnjax ran then).
ADDED_LATER = ("scan_unroll", "train_size", "keep_epochs")


def from_dict(d: dict[str, Any], *, source: str = "config", complete: bool = False, python: bool = False) -> Config:
    """Build a Config from a dict (e.g. config.json); unknown or ill-typed fields are errors.

    ``complete``: the dict is a config nnjax saved (a run's config.json, a sweep's base), so a missing
    field is an error too: its default could silently differ from what the run used.
    ``python``: the values were given in Python (``typed``), so a value of the wrong type is named as Python
    writes it (``True``, ``None``, a tuple); else as a JSON file does (``true``, ``null``, a list).
    """
    if not isinstance(d, dict):
        raise ConfigError(f"{source}: expected a JSON object of config fields")
    unknown = sorted(set(d) - set(FIELD_NAMES))
    if unknown:
        raise ConfigError(f"{source}: unknown config field {unknown[0]!r}")
    missing = [f for f in FIELD_NAMES if f not in d and f not in ADDED_LATER] if complete else []
    if missing:
        raise ConfigError(f"{source}: config field {missing[0]!r} missing (a saved config holds every field)")
    types_ = _field_types()
    values = {}
    for k, v in d.items():
        if isinstance(v, str) and types_[k] not in (str, str | None):
            try:
                v = parse_value(k, v)
            except ConfigError as e:  # say which file held the bad value
                raise ConfigError(f"{source}: {e}") from None
        else:
            if not _has_type(v, types_[k]):
                shown = repr(v) if python else json.dumps(v, default=repr)
                expected = type_words(types_[k], python=python, field=k)
                raise ConfigError(f"{source}: field {k!r} has the wrong type: {shown} (expected {expected})")
            v = tuple(v) if k in TUPLE_FIELDS else float(v) if types_[k] is float else v
            if k in ("name", *PATH_FIELDS) and isinstance(v, str):  # part of a folder's path
                _check_file_name_text(k, v, source)
            if k in PATH_FIELDS and v:  # as from a flag: the folder it names from here, valid from anywhere
                try:
                    v = local_folder(k, v)
                except ConfigError as e:
                    raise ConfigError(f"{source}: {e}") from None
        values[k] = v
    return Config(**values)


def _check_file_name_text(field: str, text: str, source: str) -> None:
    """ConfigError unless ``text`` can be part of a file name here: a lone UTF-16 surrogate (a JSON ``\\ud800``
    escape on its own) cannot be encoded, and would fail as a traceback when its folder is made or read.
    (The surrogates Python gives a command line's undecodable bytes encode back to those bytes.)"""
    try:
        os.fsencode(text)
    except UnicodeEncodeError as e:
        bad = text[e.start]
        raise ConfigError(
            f"{source}: field {field!r} = {text!r}: {bad!r} is half of a UTF-16 surrogate pair, which no file "
            "name can hold (a lone \\u escape in JSON?)"
        ) from None


def local_folder(field: str, text: str) -> str:
    """The absolute local folder ``text`` names (``~`` expanded); ConfigError for a URL (``gs://…``),
    which a path would quietly turn into a local folder named ``gs:``."""
    if "://" in text:
        raise ConfigError(
            f"config field {field!r} = {text!r}: a URL; nnjax reads and writes local folders only "
            "(copy the data to a local folder)"
        )
    return absolute_folder(text)


def absolute_folder(text: str | os.PathLike) -> str:
    """``text`` as an absolute path, ``~`` expanded and ``..`` taken out (``../x`` from /a/b is /a/x): how
    every folder nnjax is given is named in its files and messages."""
    return os.path.abspath(os.path.expanduser(text))


def python_value(v: Any) -> Any:
    """A NumPy or JAX number as Python's (float32 0.1 as 0.1, its shortest spelling, not
    0.10000000149011612), an array, tuple or range as a list of them (hidden's layer sizes), a path as
    text, else ``v``."""
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if getattr(v, "shape", None) == () and hasattr(v, "item"):  # a scalar, or an array of none
        x = v.item()
        return float(str(v)) if isinstance(x, float) else x
    if hasattr(v, "shape") and hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, tuple | list | range):
        return [python_value(x) for x in v]
    return v


def short_float(x: Any) -> float:
    """A number the device computed in float32 (a NumPy or JAX scalar: an accuracy, a loss) as the Python float
    that JSON and CSV then write in as few digits as name it: test accuracy 0.9554 (9554 of 10,000 images) as
    0.9554, not the float64 0.9553999900817871 that ``float()`` gives, digits float32 never held.

    That is the shortest decimal that reads back as the same float32, except where the float32's exact value has
    no more digits than float32 ever needs (9): it is written exactly (243 of 256 images: 0.94921875, not
    0.9492188). A float64 (or Python float) is returned as it is; NaN and infinities too (``finite_or_null``
    makes them null)."""
    import numpy as np  # here: config is read without NumPy (sweep_grid loads no JAX at import)

    v = np.asarray(x)[()]  # a JAX array as NumPy's scalar of its dtype
    exact = float(v)
    if v.dtype.kind != "f" or v.dtype.itemsize >= 8 or not math.isfinite(exact):
        return exact  # also bfloat16 and other ml_dtypes, which float32 holds exactly
    digits = repr(exact).partition("e")[0].replace("-", "").replace(".", "").strip("0")
    if len(digits) <= 9:
        return exact
    return float(np.format_float_scientific(v, unique=True))  # unlike str(), not changed by print options


def finite_or_null(x: Any) -> Any:
    """``x`` as nnjax's JSON files and ``--json`` hold it: a NaN or infinity (a diverged member's loss) is null,
    in dicts, lists and tuples too (Python's json would write NaN, which strict JSON readers refuse)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite_or_null(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [finite_or_null(v) for v in x]
    return x


def typed(cfg: Config, source: str = "config") -> Config:
    """``cfg`` as built in Python (``Config(...)``, ``.replace(...)``) checked and normalised as a JSON config
    is: NumPy/JAX scalars become Python numbers, ``hidden`` a tuple of ints, relative folders absolute; a
    value of the wrong type (``standardize=1``, ``hidden=32``, ``batch_size=64.0``) is a ConfigError naming
    the field, before anything is written."""
    if not isinstance(cfg, Config):
        raise ConfigError(f"{source}: expected a Config (e.g. nnjax.configs.video()), got {cfg!r}")
    d = {f: python_value(getattr(cfg, f)) for f in FIELD_NAMES}
    for f in TUPLE_FIELDS:  # named as given, should a layer size (an epoch) be of the wrong type
        if isinstance(getattr(cfg, f), tuple):
            d[f] = tuple(d[f])
    return from_dict(d, source=source, python=True)


def is_number(v: Any) -> bool:
    """An int or float as JSON gives them (not a bool)."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_integer(v: Any) -> bool:
    """An int as JSON gives it: not a bool (``true`` is an int to Python, and equal to 1)."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_index(v: Any) -> bool:
    """An integer given in Python: an int, a NumPy integer or a 0-d JAX integer array (what ``np.argmax``,
    ``jnp.argmax`` or a CSV read by pandas give), not a bool (True is 1 to Python) nor a float."""
    if isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", "") == "b":  # NumPy < 2.1: np.True_ is 1
        return False
    try:
        operator.index(v)  # a NumPy bool, a float or an array of several values raise
    except TypeError:
        return False
    return True


def is_integer_list(v: Any) -> bool:
    """A JSON list of integers (``is_integer``), such as a group's member ids."""
    return isinstance(v, list) and all(is_integer(x) for x in v)


def _has_type(v: Any, kind: Any) -> bool:
    """``v`` is a value of a field annotated ``kind``, as JSON gives them: a bool is no int, an int is a float;
    ``hidden``'s layer sizes, a tuple (a JSON list) of integers."""
    if kind == tuple[int, ...]:
        return isinstance(v, list | tuple) and all(map(is_integer, v))
    return {
        bool: isinstance(v, bool),
        int: is_integer(v),
        float: is_number(v),
        str: isinstance(v, str),
        str | None: v is None or isinstance(v, str),
        int | None: v is None or is_integer(v),
    }.get(kind, True)


# what a value of a field of each type must be: (as Python writes it, as a JSON file does)
TYPE_WORDS = {
    bool: ("True or False", "true or false"),
    int: ("an integer", "an integer"),
    float: ("a number", "a number"),
    str: ("text", "text"),
    str | None: ("text or None", "text or null"),
    int | None: ("an integer or None", "an integer or null"),
    tuple[int, ...]: TUPLE_FIELDS["hidden"],
}


def type_words(kind: Any, python: bool = True, field: str | None = None) -> str:
    """What a value of a field annotated ``kind`` (named ``field``, where a tuple's items say what they are) must
    be, in the words of its reader: Python's (``True``, ``None``, a tuple) for a Config built in Python, a JSON
    file's (``true``, ``null``, a list) for a config file."""
    return TUPLE_FIELDS.get(field, TYPE_WORDS[kind])[0 if python else 1]


def type_problem(field: str, value: Any) -> str | None:
    """Why ``value``, given in Python, cannot be config field ``field``'s, by its type (in Python's words: the
    ``validate`` of a Config built in Python), or None."""
    kind = _field_types()[field]
    return None if _has_type(value, kind) else f"must be {type_words(kind, field=field)}"


def load_json(path: str | Path) -> Config:
    """Read a config JSON file: one nnjax saved (with ``config_format``, as in every run folder; every
    field must be there) or one written by hand (fields left out take their defaults)."""
    return read_config_file(path)[0]


def read_config_file(path: str | Path) -> tuple[Config, bool]:
    """``load_json``'s config, and whether nnjax saved the file (it has ``config_format``), read once (a
    pipe cannot be read twice)."""
    path = Path(path)
    try:
        d = json.loads(path.read_text(), object_pairs_hook=_object_once_per_key)
    except _KeyTwice as e:  # {"lr": 0.1, ..., "lr": 0.01}: json keeps the last, without a word
        raise ConfigError(f"{path}: field {e.args[0]!r} is given twice; give each field once") from None
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config file ({e.__class__.__name__})") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    except (ValueError, RecursionError) as e:  # an integer of 4,300+ digits, nesting 1,000 deep
        raise ConfigError(f"{path}: not valid JSON for nnjax ({str(e).split(';')[0]})") from None
    if isinstance(d, dict) and {"base", "grid"} <= d.keys():
        resume = ""  # a sweep folder's own file can be continued; a copy elsewhere names no sweep
        if path.name == "sweep.json":
            resume = f"continue that sweep with nnjax sweep --resume {path.parent}, or "
        raise ConfigError(
            f"{path}: a sweep's file (its base config and grid), not a config; {resume}give its base's fields in a "
            "config file of their own"
        )
    saved = isinstance(d, dict) and "config_format" in d
    if isinstance(d, dict):
        fmt = d.pop("config_format", CONFIG_FORMAT)
        if not is_integer(fmt) or fmt != CONFIG_FORMAT:
            raise ConfigError(f"{path}: config_format {fmt!r} is not supported by this nnjax (expects {CONFIG_FORMAT})")
        d.pop("nnjax_version", None)
    return from_dict(d, source=str(path), complete=saved), saved


class _KeyTwice(Exception):
    """A JSON object of a config file names a key twice (``args[0]``)."""


def _object_once_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook``: the object as a dict, or _KeyTwice for a key it names twice."""
    d: dict[str, Any] = {}
    for k, v in pairs:
        if k in d:
            raise _KeyTwice(k)
        d[k] = v
    return d


def save_json(cfg: Config, path: str | Path) -> None:
    """Write the resolved config (plus format/version markers) as JSON (atomically: never half a file)."""
    from nnjax import __version__
    from nnjax.checkpoint import write_json

    d = {"config_format": CONFIG_FORMAT, "nnjax_version": __version__, **cfg.to_dict()}
    d["init"] = cfg.resolved_init()
    write_json(Path(path), d)


def field_choices() -> dict[str, tuple[str, ...]]:
    """The valid values of every field that takes a name, read from the registries (imports jax)."""
    from nnjax.activations import ACTIVATIONS
    from nnjax.costs import COSTS
    from nnjax.model import INITS

    return {
        "activation": tuple(ACTIVATIONS),
        "cost": tuple(COSTS),
        "optimizer": OPTIMIZERS,
        "schedule": SCHEDULES,
        "dataset": DATASETS,
        "init": ("auto", *INITS),
    }


def as_float32(x: float) -> float:
    """``x`` rounded to float32, the precision the optimiser holds its hyper-parameters in."""
    return struct.unpack("f", struct.pack("f", x))[0]


FLOAT32_TINY = 1.401298464324817e-45  # the smallest positive float32 (a subnormal): a smaller lr rounds to 0
FLOAT32_MAX = 3.4028234663852886e38  # numpy.finfo(numpy.float32).max: lr and weight decay are float32 in training
INT32_MAX = 2**31 - 1
MAX_UNROLL = 64  # scan_unroll: an unroll of 2,000 compiled for minutes and ran out of memory
AUTO_SCAN_UNROLL = 1  # what scan_unroll 0 (auto) compiles, on every backend (train.scan_unroll)


def validate(
    cfg: Config, new: bool = True, source: str | None = None, used_elsewhere: typing.Collection[str] = ()
) -> Config:
    """Raise ConfigError naming the first bad field (and the file ``source`` it came from, if given);
    return cfg unchanged when it is fine.

    ``new``: the config starts a run, so settings that would be silently ignored are refused too, except
    the fields in ``used_elsewhere`` (a sweep member ignoring what other members use); a saved config
    (``new=False``) is read as it trained (older nnjax accepted them).
    """
    where = f"{source}: " if source else ""

    def bad(field: str, why: str, also: tuple[str, ...] = (), unused: str | None = None) -> ConfigError:
        return ConfigError(
            f"{where}config field {field!r} = {getattr(cfg, field)!r}: {why}",
            fields=(field, *also),  # every field it depends on, for a caller that knows where each came from
            unused=unused,
        )

    for field in FIELD_NAMES:  # Config(train_size=1000.0) or (epochs=True), built in Python
        if why := type_problem(field, getattr(cfg, field)):
            raise bad(field, why)
    for field, valid in field_choices().items():
        if getattr(cfg, field) not in valid:
            raise bad(field, unknown_choice(valid))
    from nnjax.activations import DEFAULT_INIT, FORMULAS

    # an activation added to ACTIVATIONS alone would train with lecun init and fail to export
    tables = {"FORMULAS": FORMULAS, "DEFAULT_INIT": DEFAULT_INIT}
    if lacking := [name for name, table in tables.items() if cfg.activation not in table]:
        why = f"in nnjax.activations.ACTIVATIONS but not in {' or '.join(lacking)} (an activation needs all three)"
        raise bad("activation", why)
    if any(n <= 0 for n in cfg.hidden):
        raise bad("hidden", "layer sizes must be positive")
    if not 0 < cfg.lr < float("inf") or (new and cfg.lr > FLOAT32_MAX):  # also nan; float32 in the optimiser
        raise bad("lr", f"must be a positive finite number (at most {FLOAT32_MAX:.3g}, float32's max)")
    # 1e-320: positive, but the float32 optimiser would take no step at all
    if new and as_float32(cfg.lr) == 0:
        raise bad("lr", f"is 0 in float32, where the optimiser runs (the smallest positive is {FLOAT32_TINY:.2g})")
    for field in ("batch_size", "epochs", "keep_checkpoints"):
        if getattr(cfg, field) <= 0:
            raise bad(field, "must be positive")
    for field in ("checkpoint_every", "warmup_epochs", "scan_unroll"):
        if getattr(cfg, field) < 0:
            raise bad(field, "must not be negative")
    for field in ("epochs", "batch_size", "warmup_epochs") if new else ():  # counted in int32 by JAX and Optax
        if getattr(cfg, field) > INT32_MAX:
            raise bad(field, f"must be at most {INT32_MAX:,} (2**31 - 1)")
    n_split, split = training_split_size(cfg), f"{cfg.dataset}'s training split"
    if cfg.validation:
        split = f"{split} left by validation ({n_split + N_VALIDATION:,} less the {N_VALIDATION:,} held out)"
    if why := train_size_problem(cfg.train_size, n_split, split):
        raise bad("train_size", why, also=("dataset", "validation") if cfg.train_size > 0 else ())
    if new and cfg.batch_size <= INT32_MAX:
        n_train = training_images(cfg)
        if cfg.batch_size > n_train:  # as training says it once the data set is read, but before any folder
            of = f" (train_size {cfg.train_size:,})" if cfg.train_size is not None else ""
            why = f"larger than the {n_train} training images{of}"
            raise bad("batch_size", why, also=("dataset", "validation", "train_size"))
        if why := too_many_steps(cfg, n_train):  # Optax counts steps in int32 too
            raise bad("epochs", why, also=("batch_size", "dataset", "validation", "train_size"))
    if new and cfg.scan_unroll > MAX_UNROLL:  # a saved run that compiled a larger one still loads
        raise bad("scan_unroll", f"must be at most {MAX_UNROLL} (the compiled program grows with it)")
    for field in ("seed", "data_seed"):  # jax.random.key keeps 32 bits: 2**32 would repeat seed 0
        if not 0 <= getattr(cfg, field) < 2**32:
            raise bad(field, "must be in [0, 2**32)")
    if not 0 <= cfg.weight_decay < float("inf") or (new and cfg.weight_decay > FLOAT32_MAX):
        raise bad("weight_decay", f"must be a non-negative finite number (at most {FLOAT32_MAX:.3g}, float32's max)")
    if not 0 <= cfg.momentum < 1:
        raise bad("momentum", "must be in [0, 1)")
    # the optimiser runs in float32, where 0.99999999 is 1: Adam's bias correction would divide by 0
    if as_float32(cfg.momentum) == 1:
        raise bad("momentum", "must be in [0, 1), and below 1 in float32 (at most 0.99999994)")
    if why := keep_epochs_problem(cfg.keep_epochs, cfg.epochs):
        raise bad("keep_epochs", why, also=("epochs",))
    if cfg.schedule == "warmup_cosine" and cfg.warmup_epochs >= cfg.epochs:
        raise bad("warmup_epochs", f"must be fewer than epochs ({cfg.epochs})", also=("epochs", "schedule"))
    if new and cfg.warmup_epochs and "warmup_epochs" in unused_fields(cfg) and "warmup_epochs" not in used_elsewhere:
        why = unused_fields(cfg)["warmup_epochs"]
        # set, but unused: a sweep says so of all its members at once
        raise bad("warmup_epochs", why, also=("schedule",), unused="warmup_epochs")
    return cfg


def check_value(field: str, value: Any) -> Any:
    """``value`` (of config field ``field``'s type) as ``validate`` checks it whatever the other fields are: a
    ConfigError naming the field and value where no config takes it (a layer size not positive, a seed outside
    [0, 2**32), an unknown activation), else ``value``. Checks that depend on other fields (a train_size larger
    than the data set's split) are left to ``validate`` of a whole config."""
    try:
        validate(Config().replace(**{field: value}), new=False)
    except ConfigError as e:
        if e.fields == (field,):  # its own value's doing, not the default config's other fields'
            raise
    return value


def keep_epochs_problem(keep_epochs: tuple[int, ...], epochs: int) -> str | None:
    """Why ``keep_epochs`` are not epochs whose checkpoints a run of ``epochs`` epochs can keep, or None: each must be
    from 1 (epoch 0, as initialised, is regenerated from the config) to ``epochs``, and listed once."""
    for e in keep_epochs:
        if not 1 <= e <= epochs:
            initial = " (epoch 0, the network as initialised, needs no checkpoint)" if e == 0 else ""
            return f"epoch {e} is not one of the run's epochs, 1 to {epochs}{initial}"
    if twice := next((e for i, e in enumerate(keep_epochs) if e in keep_epochs[:i]), None):
        return f"epoch {twice} is listed twice; list each epoch once"
    return None


def unknown_choice(valid: typing.Iterable[str]) -> str:
    """Why a value of a field that takes a name is not one of ``valid`` (``validate``'s words)."""
    return f"unknown; valid: {', '.join(valid)}"


def dataset_sizes(dataset: Any) -> tuple[int, int]:
    """(training, test) images of data set ``dataset``; for one nnjax does not know, a ConfigError naming the field
    and value as ``validate`` does (a config that skipped it, given to ``memory.check_memory``)."""
    if not isinstance(dataset, str) or dataset not in DATASET_SIZES:
        raise ConfigError(f"config field 'dataset' = {dataset!r}: {unknown_choice(DATASETS)}", fields=("dataset",))
    return DATASET_SIZES[dataset]


def training_split_size(cfg: Config) -> int:
    """Images in ``cfg``'s whole training split: the data set's, less the 10,000 ``validation`` holds out."""
    return dataset_sizes(cfg.dataset)[0] - N_VALIDATION * cfg.validation


def training_images(cfg: Config, n_split: int | None = None) -> int:
    """Images ``cfg`` trains on: ``train_size`` (at most ``n_split``), or the whole training split: of ``n_split``
    images where given (a data set in hand), else of ``training_split_size``'s."""
    n_split = training_split_size(cfg) if n_split is None else n_split
    return n_split if cfg.train_size is None else min(cfg.train_size, n_split)


def train_size_problem(train_size: Any, n_split: int, split: str = "the training split") -> str | None:
    """Why ``train_size`` is not a number of first images to train on that a training split of ``n_split`` images
    (``split``, as the reason names it) holds, or None; None trains on all of them."""
    if train_size is None:
        return None
    if why := type_problem("train_size", train_size):
        return why
    if train_size <= 0:
        return "must be positive (none: every training image)"
    if train_size > n_split:
        return f"more than the {n_split:,} images of {split}"
    return None


def too_many_steps(cfg: Config, n_train: int) -> str | None:
    """Why ``cfg`` on ``n_train`` images needs more optimiser steps than Optax's int32 count holds, or None."""
    steps = cfg.epochs * (n_train // max(cfg.batch_size, 1))
    if steps <= INT32_MAX:
        return None
    return (
        f"{cfg.epochs:,} epochs of {n_train // cfg.batch_size:,} mini-batches are {steps:,} steps, more than the "
        f"optimiser's step count holds ({INT32_MAX:,}, 2**31 - 1)"
    )


# Fields a resume cannot change, even with --force: the checkpoints and metrics hold their data order, the
# split they evaluated on, the network's shapes, the optimiser's own state, and a step count that the
# learning-rate schedule reads in steps of the old batch size (a larger batch continued with the schedule
# already at its end: learning rate 0). The seed and init chose the starting parameters, which the trained
# ones grew from: changed, config.json would describe a run that was never trained.
FIXED_ON_RESUME = {
    "seed": "the run's parameters grew from the other seed's starting values",
    "init": "the run's parameters grew from the other starting values",
    "data_seed": "its checkpoints hold the data order of the other",
    "validation": "it changes the training images and the split every metrics line reports",
    "batch_size": "its optimiser state counts steps of the old batch size, which the learning-rate schedule reads",
    "dataset": "its checkpoints and metrics are another data set's",
    "hidden": "its checkpoints hold a network of the other layer sizes",
    "optimizer": "its checkpoints hold the other optimiser's state",
    "train_size": "its checkpoints and metrics were trained on the other number of images, and its optimiser "
    "state counts steps of that epoch length, which the learning-rate schedule reads",
}


# Fields that some configs do not use, and the value that means "none of it" (which is what those configs do).
NEUTRAL = {"momentum": 0.0, "warmup_epochs": 0}


def unused_fields(cfg: Config) -> dict[str, str]:
    """The fields whose value changes nothing in ``cfg``'s training, each with the reason."""
    unused = {}
    if cfg.optimizer == "sgd":
        unused["momentum"] = "optimizer sgd does not use it (momentum, adam and adamw do)"
    if cfg.schedule != "warmup_cosine":
        unused["warmup_epochs"] = f"only schedule warmup_cosine uses it (schedule is {cfg.schedule})"
    return unused


def check_given(cfg: Config, given: typing.Iterable[str]) -> None:
    """ConfigError if a field set explicitly (a flag) to anything but its ``NEUTRAL`` value does nothing in
    ``cfg`` (see ``unused_fields``): ``--momentum 0.5`` with sgd, but not ``--momentum 0``."""
    for field, why in unused_fields(cfg).items():
        if field in given and getattr(cfg, field) != NEUTRAL[field]:
            raise ConfigError(f"config field {field!r} = {getattr(cfg, field)!r}: {why}")
    check_warmup_given(cfg, given)


def check_warmup_given(cfg: Config, given: typing.Iterable[str]) -> None:
    """ConfigError if schedule warmup_cosine was asked for (``given``: the fields set explicitly) with no
    warm-up given, which leaves warmup_epochs at 0: plain cosine under another name."""
    given = set(given)
    asked = "schedule" in given and "warmup_epochs" not in given
    if asked and cfg.schedule == "warmup_cosine" and not cfg.warmup_epochs:
        raise ConfigError(
            "config field 'schedule' = 'warmup_cosine': warmup_epochs is 0, which trains plain cosine; "
            "give the warm-up (--warmup-epochs N)"
        )


def without_unused(cfg: Config) -> Config:
    """``cfg`` with each field it does not use (``unused_fields``) set to its ``NEUTRAL`` value, so that a
    new run's config.json does not record, say, the default momentum 0.9 for sgd."""
    return cfg.replace(**{f: NEUTRAL[f] for f in unused_fields(cfg)})


def apply_overrides(cfg: Config, overrides: dict[str, str]) -> Config:
    """Config with flag values (text) parsed and applied."""
    return cfg.replace(**{k: parse_value(k, v) for k, v in overrides.items()})


def result_fields(cfg: Config) -> dict[str, Any]:
    """The fields that determine a run's numbers (for resume compatibility checks): not where the data
    live or how the run is saved, nor the fields its optimiser and schedule do not use. ``scan_unroll``
    ``AUTO_SCAN_UNROLL`` is written as 0 (auto), the program it compiles; a ``train_size`` of the whole training
    split as None, which trains on the same images in the same order."""
    d = cfg.to_dict()
    d["init"] = cfg.resolved_init()
    if cfg.dataset in DATASET_SIZES and d["train_size"] == training_split_size(cfg):
        d["train_size"] = None
    return auto_unroll_as_0({k: v for k, v in d.items() if k not in NON_RESULT_FIELDS and k not in unused_fields(cfg)})


def recipe_text(cfg: Config, grid: dict[str, list] | None = None) -> str:
    """One line naming everything that determines ``cfg``'s numbers (``result_fields``): the network, then
    ``field=value`` for the rest, so a field kept from the named config a run started from shows:
    ``mnist 784-30-10 sigmoid init=standard_normal cost=quadratic optimizer=sgd lr=3 schedule=constant
    weight_decay=0 batch_size=10 epochs=30 seed=0 data_seed=0``. ``validation``, ``train_size``, ``standardize``
    and ``scan_unroll`` are named only when not their defaults. A sweep's ``grid`` shows each of its fields as
    ``field=V1,V2`` (as --grid takes them) in place of the base config's value (and ``init=auto`` as such where
    the grid varies the activation); a linked item, ``activation,lr=sigmoid:0.03,relu:0.01``, in place of the
    first of its fields."""
    from nnjax.model import layer_sizes
    from nnjax.sweep_grid import format_value, grid_fields, grid_text, item_fields

    grid = grid or {}
    d = result_fields(cfg)
    if "activation" in grid_fields(grid) and cfg.init == "auto":  # each member's activation picks its own
        d["init"] = "auto"
    swept = {}
    for key, values in grid.items():
        shown = [f for f in item_fields(key) if f in d]
        swept.update({f: "" for f in shown} | dict.fromkeys(shown[:1], grid_text({key: values})))
    network = "-".join(map(str, layer_sizes(cfg.hidden)))
    activation = d.pop("activation")  # no hidden layer: no activation applies
    words = [d.pop("dataset"), network, activation if cfg.hidden else "(no hidden layer)"]
    for i, field in enumerate(("dataset", "hidden", "activation")):
        words[i] = swept.pop(field, words[i])
    d.pop("hidden")
    for field, default in (("validation", False), ("train_size", None), ("standardize", False), ("scan_unroll", 0)):
        if d.get(field) == default and field not in swept:
            d.pop(field)
    return " ".join(w for w in words + [swept.get(k, f"{k}={format_value(v)}") for k, v in d.items()] if w)


def auto_unroll_as_0(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` (``result_fields``, or such a dict saved by an older version) with scan_unroll
    ``AUTO_SCAN_UNROLL`` written as 0: both compile the same program, so a run trained with one resumes with
    the other."""
    return {**fields, "scan_unroll": 0} if fields.get("scan_unroll") == AUTO_SCAN_UNROLL else fields


def changed_result_fields(saved: dict[str, Any], cfg: Config) -> dict[str, list[Any]]:
    """field → [saved value, ``cfg``'s value], as JSON values, for each result field (``result_fields``) in which
    ``cfg`` differs from ``saved`` (a record of one, as a checkpoint keeps it; a field it lacks is not compared)."""
    saved = json.loads(json.dumps(auto_unroll_as_0(saved)))
    now = json.loads(json.dumps(result_fields(cfg)))
    return {k: [saved[k], now[k]] for k in now if k in saved and saved[k] != now[k]}


# what_trains' notes, in the order it checks them, each with the fields whose values it says train alike
WHAT_TRAINS_NOTES = {
    "schedule warmup_cosine with warmup_epochs 0 is cosine": ("schedule", "warmup_epochs"),
    "optimizer momentum with momentum 0 is sgd": ("optimizer", "momentum"),
    "optimizer adamw with weight_decay 0 is adam": ("optimizer", "weight_decay"),
    "a network with no hidden layer has no activation": ("activation", "hidden"),
    f"scan_unroll {AUTO_SCAN_UNROLL} is what 0 (auto) compiles": ("scan_unroll",),
    "a train_size of the whole training split is none": ("train_size",),
}


def what_trains(cfg: Config) -> tuple[dict[str, Any], list[str]]:
    """(fields, notes): ``result_fields`` with each setting that trains exactly what another does written
    as that other, and a note saying so for each. Two configs with equal fields train the same network."""
    warmup_0, momentum_0, adamw_0, no_hidden, unroll_auto, whole_split = WHAT_TRAINS_NOTES
    d, notes = result_fields(cfg), []
    if cfg.schedule == "warmup_cosine" and cfg.warmup_epochs == 0:
        d["schedule"] = "cosine"
        d.pop("warmup_epochs")
        notes.append(warmup_0)
    if cfg.optimizer == "momentum" and cfg.momentum == 0:
        d["optimizer"] = "sgd"
        d.pop("momentum")
        notes.append(momentum_0)
    if cfg.optimizer == "adamw" and cfg.weight_decay == 0:  # its decay comes after Adam's direction, adam's before
        d["optimizer"] = "adam"
        notes.append(adamw_0)
    if not cfg.hidden:  # init is kept: "auto" still chooses it by the activation
        d.pop("activation")
        notes.append(no_hidden)
    if cfg.scan_unroll == AUTO_SCAN_UNROLL:  # result_fields writes it as 0 already
        notes.append(unroll_auto)
    if cfg.train_size is not None and d["train_size"] is None:  # result_fields writes it as None already
        notes.append(whole_split)
    return d, notes
