"""Sweep grids: ``FIELD=V1,V2`` parsed and checked, expanded into one config per member, and the
members grouped into the ensembles that share a compiled program (``GROUP_FIELDS``).

Pure functions over ``Config``: no files, and no JAX at import (checking a member's activation loads it).
``nnjax.sweep`` trains what they describe.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from typing import Any

from nnjax.config import (
    FIELD_NAMES,
    NEUTRAL,
    NON_RESULT_FIELDS,
    PROGRAM_FIELDS,
    WHAT_TRAINS_NOTES,
    Config,
    check_value,
    flag_name,
    from_dict,
    non_ascii_note,
    parse_value,
    python_value,
    unused_fields,
    validate,
    what_trains,
)
from nnjax.errors import ConfigError

# Fields a grid may not vary: members are named by the grid, so a grid over "name" means nothing.
NOT_GRIDDABLE = ("name",)
# Why a new sweep refuses a grid over each other field that changes no number (config.NON_RESULT_FIELDS):
# its members would train identical networks, told apart in the table as if they differed.
NO_RESULT_GRID = {
    "data_dir": "where the raw files are read from",
    "tfds_dir": "where tfds keeps the built data set",
    "checkpoint_every": "how often a group is checkpointed",
    "keep_checkpoints": "how many checkpoints a group keeps",
    "keep_epochs": "which epochs' checkpoints a group keeps",
}
# The most members one sweep takes. Checked on the grid's shape, before its members are made: each is a
# checked config (~0.2 ms), a row of members.csv and a line of every epoch's metrics.jsonl, so a grid of
# millions took minutes to be refused (or ran out of memory) before the memory estimate could say no.
MAX_MEMBERS = 100_000
# Besides the program, members of one group share where data comes from and how the group is saved.
GROUP_FIELDS = (*PROGRAM_FIELDS, "data_dir", "tfds_dir", "checkpoint_every", "keep_checkpoints", "keep_epochs")


def parse_grid(items: Sequence[str]) -> dict[str, list]:
    """``["activation=sigmoid,relu", "seed=0,1", "hidden=16x16,32x32"]`` → ``{field: [values]}``.

    Values are separated by ',' (the layers of ``hidden`` by 'x') and parsed with the field's type;
    anything wrong raises ConfigError naming the item. A linked item names several fields and gives tuples, one
    value of each joined by ':' (``LINK``): ``activation,lr=sigmoid:0.03,relu:0.01`` → ``{"activation,lr":
    [("sigmoid", 0.03), ("relu", 0.01)]}``, each tuple crossed with the other items.
    """
    if not items:
        raise ConfigError("empty grid: give at least one FIELD=V1,V2 (e.g. --grid activation=sigmoid,relu seed=0,1,2)")
    grid: dict[str, list] = {}
    for item in items:
        field, sep, text = item.partition("=")
        if "," in field:
            if not sep:
                raise ConfigError(
                    f"grid item {item!r}: expected FIELD,FIELD=V{LINK}W,... (e.g. activation,lr=sigmoid{LINK}0.03)"
                )
            key = _linked_key(field, grid, f"grid item {item!r}")
            grid[key] = _parse_tuples(item, item_fields(key), text)
            continue
        field = field.strip().replace("-", "_")
        if not sep or not field:
            raise ConfigError(f"grid item {item!r}: expected FIELD=V1,V2,... (e.g. seed=0,1,2)")
        _check_field(field, grid, f"grid item {item!r}")
        texts = [t.strip() for t in text.split(",")]
        if any(t == "" for t in texts):
            raise ConfigError(f"grid item {item!r}: empty value (values are separated by ',')")
        if LINK in text:
            raise ConfigError(
                f"grid item {item!r}: '{LINK}' joins the values of linked fields, which the item names together "
                f"(e.g. activation,lr=sigmoid{LINK}0.03,relu{LINK}0.01)"
            )
        try:
            grid[field] = [parse_value(field, t) for t in texts]
        except ConfigError as e:
            raise ConfigError(f"grid item {item!r}: {e}") from None
    return normalize_grid(grid)


# Joins the values of one tuple of a linked grid item (activation,lr=sigmoid:0.03): no field's value text holds it
# (hidden layers are joined by 'x', floats are written as 0.001 or 1e-05, data sets as emnist/digits)
LINK = ":"


def item_fields(key: str) -> tuple[str, ...]:
    """The fields of a grid item: ``("activation", "lr")`` for the linked item ``"activation,lr"``, ``("seed",)``
    for ``"seed"``."""
    return tuple(key.split(","))


def grid_fields(grid: dict[str, list]) -> list[str]:
    """Every field of a grid, in grid order (a linked item's in its own order)."""
    return [f for key in grid for f in item_fields(key)]


def field_values(grid: dict[str, list]) -> dict[str, list]:
    """Each field of a grid with its values: a crossed item's as given, each linked field's distinct ones in
    the order its item first gives them (``activation,lr=sigmoid:0.03,relu:0.01,tanh:0.01``: lr [0.03, 0.01])."""
    out: dict[str, list] = {}
    for key, values in grid.items():
        fields = item_fields(key)
        if len(fields) == 1:
            out[key] = list(values)
        else:
            out.update({f: list(dict.fromkeys(v[i] for v in values)) for i, f in enumerate(fields)})
    return out


def member_values(grid: dict[str, list]) -> list[dict[str, Any]]:
    """Each member's value of every grid field: the product of the items (first item slowest), a linked
    item's tuple giving each of its fields its value."""
    keys = [item_fields(key) for key in grid]
    return [
        {f: v for fields, value in zip(keys, values) for f, v in zip(fields, value if len(fields) > 1 else (value,))}
        for values in itertools.product(*grid.values())
    ]


def _linked_key(text: str, grid: dict[str, Any], where: str) -> str:
    """The key ``"activation,lr"`` of a linked item whose fields are named by ``text``, each a griddable config
    field given in no other item of ``grid`` (so far); else a ConfigError starting with ``where``."""
    fields = [f.strip().replace("-", "_") for f in text.split(",")]
    named = [f for f in fields if f]
    if len(named) == 1:
        raise ConfigError(
            f"{where}: a linked item of one field ({named[0]}); give it as {named[0]}=V1,V2, or name the fields "
            f"its values go with (e.g. activation,lr=sigmoid{LINK}0.03,relu{LINK}0.01)"
        )
    if len(named) < len(fields):
        raise ConfigError(f"{where}: empty field name (linked fields are separated by ',': activation,lr=...)")
    for f in fields:
        _check_field(f, grid, where, linked=True, twice=fields.count(f) > 1)
    return ",".join(fields)


def _check_field(field: Any, grid: dict[str, Any], where: str, linked: bool = False, twice: bool = False) -> None:
    """A ConfigError starting with ``where`` unless ``field`` is a config field a grid may vary, in no item of
    ``grid`` (so far). ``linked``: it is one of a linked item's fields, named ``twice`` in it or not."""
    if field not in FIELD_NAMES:
        raise ConfigError(f"{where}: unknown config field {field!r}; valid: {', '.join(FIELD_NAMES)}")
    if field in NOT_GRIDDABLE:
        raise ConfigError(f"{where}: field {field!r} cannot be swept (members are named by the grid)")
    key = next((k for k in grid if field in item_fields(k)), None)
    if twice or (key == field and not linked):
        raise ConfigError(f"{where}: field {field!r} is {'linked' if linked else 'given'} twice")
    if key == field:
        raise ConfigError(
            f"{where}: field {field!r} is also crossed ({key}=...); a field is either linked with others or crossed"
        )
    if key is not None:
        raise ConfigError(f"{where}: field {field!r} is linked already ({key}=...); a field is in one grid item only")


def _parse_tuples(item: str, fields: tuple[str, ...], text: str) -> list[tuple]:
    """The tuples of linked item ``item`` (``text``: ``sigmoid:0.03,relu:0.01``), each value parsed with its
    field's type; a ConfigError naming the item and the tuple or value otherwise."""
    out = []
    for t in (t.strip() for t in text.split(",")):
        parts = [p.strip() for p in t.split(LINK)]
        if not t or any(p == "" for p in parts):
            raise ConfigError(
                f"grid item {item!r}: empty value (tuples are separated by ',', the values of one by '{LINK}')"
            )
        if len(parts) != len(fields):
            example = LINK.join(f"V{i + 1}" for i in range(len(fields)))
            raise ConfigError(
                f"grid item {item!r}: {t!r} has {len(parts)} value{'s' * (len(parts) > 1)} for the {len(fields)} "
                f"fields {','.join(fields)} (give one of each, joined by '{LINK}': {example})"
            )
        try:
            out.append(tuple(parse_value(f, p) for f, p in zip(fields, parts)))
        except ConfigError as e:
            raise ConfigError(f"grid item {item!r}: {e}") from None
    return out


def _coerce(field: str, value: Any, source: str | None = None) -> Any:
    """One grid value checked against the field's type (text is parsed; JSON lists become tuples; NumPy
    and JAX numbers and arrays become Python's: ``config.python_value``); an error names ``source`` (default:
    the grid field)."""
    return getattr(from_dict({field: python_value(value)}, source=source or f"grid field {field!r}"), field)


def normalize_grid(grid: dict[str, Sequence[Any]]) -> dict[str, list]:
    """Check a grid given as Python values (or read from sweep.json): known fields, non-empty value
    lists of the right types, no duplicate values, at most ``MAX_MEMBERS`` members. Returns it with typed values.
    A linked item (``"activation,lr": [("sigmoid", 0.03), ("relu", 0.01)]``, as ``parse_grid`` makes it; JSON
    lists for tuples) gives tuples of one value per field, no field being in two items."""
    if not isinstance(grid, dict):
        raise ConfigError(f"grid: expected a dict of field: [values], e.g. {{'seed': [0, 1, 2]}}, got {grid!r}")
    if not grid:
        raise ConfigError("empty grid: give at least one field with values, e.g. {'seed': [0, 1, 2]}")
    lists: dict[str, Sequence[Any]] = {}
    for field, values in grid.items():
        if isinstance(field, str) and "," in field:
            field = _linked_key(field, lists, f"grid item {field!r}")
        else:
            _check_field(field, {}, "grid")  # a clash with another item is named as "grid field 'lr': ..."
            _check_field(field, lists, f"grid field {field!r}")
        if len(getattr(values, "shape", ())) >= 1:  # np.arange(5), np.logspace(-3, -1, 3), jnp.arange(5)
            values = list(values)
        if isinstance(values, str) or not isinstance(values, Sequence) or len(values) == 0:
            raise ConfigError(f"grid field {field!r}: expected a non-empty list of values, got {values!r}")
        lists[field] = values
    if (n := math.prod(map(len, lists.values()))) > MAX_MEMBERS:  # before any value is checked
        sizes = " × ".join(f"{f} {len(vs):,}" for f, vs in lists.items() if len(vs) > 1)
        raise ConfigError(
            f"grid: {n:,} members ({sizes}), more than the {MAX_MEMBERS:,} one sweep takes; "
            "split it into several sweeps (fewer values per field)"
        )
    out: dict[str, list] = {}
    for field, values in lists.items():
        typed = [_coerce(field, v) for v in values] if "," not in field else _coerce_tuples(field, values)
        seen = set()
        for v in typed:
            if v in seen:
                also = " (a value's layers are joined by 'x': hidden=16x16)" if field == "hidden" else ""
                what = "field" if "," not in field else "item"
                raise ConfigError(f"grid {what} {field!r}: value {_item_value(field, v)} is given twice{also}")
            seen.add(v)
        out[field] = typed
    if len(field_values(out).get("validation", [])) > 1:
        raise ConfigError(
            "grid field 'validation': a sweep reports every member on one split (its table, curves and best "
            "epochs); sweep validation=false and validation=true separately"
        )
    return out


def _coerce_tuples(key: str, values: Sequence[Any]) -> list[tuple]:
    """The tuples of linked item ``key``, each a sequence of one value per field (a JSON list), typed."""
    fields = item_fields(key)
    out = []
    for t in values:
        if isinstance(t, str) or not isinstance(t, Sequence) or len(t) != len(fields):
            raise ConfigError(
                f"grid item {key!r}: {t!r} is not {len(fields)} values, one of each of {', '.join(fields)} "
                f"(e.g. {tuple(f'V{i + 1}' for i in range(len(fields)))})"
            )
        out.append(tuple(_coerce(f, v) for f, v in zip(fields, t)))
    return out


def _item_value(key: str, v: Any) -> str:
    """A value of grid item ``key`` as --grid writes it: ``sigmoid:0.03`` for a linked item's tuple."""
    return LINK.join(map(format_value, v)) if "," in key else format_value(v)


def format_value(v: Any) -> str:
    """A grid value as the text that parses back to it, in its shortest form, as the flags take it: a bool as
    true or false (standardize=true, not Python's True), hidden layers joined by 'x', a whole-number float without
    its '.0' (lr=1000 as given, not 1000.0; 0.001 and 1e-05 as Python writes them), None as none (train_size=none:
    every training image). Members' names, the table, the notes and members.csv all write values so."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, list | tuple):  # hidden: a tuple in a Config, a list in JSON
        return "x".join(map(str, v)) or "none"
    if isinstance(v, float):
        return repr(v).removesuffix(".0")  # 1e+16 and beyond, nan and inf have none to drop
    return str(v)


# The grid fields a sweep's table averages over unless told otherwise (--replicates)
DEFAULT_REPLICATES = ("seed",)


def varied_fields(grid: dict[str, list], replicates: Sequence[str] = DEFAULT_REPLICATES) -> list[str]:
    """The grid fields that tell the table's rows apart: every field with several values except the
    ``replicates`` (the fields averaged over: the seed unless told otherwise), a linked item's each on its own."""
    return [f for f, vs in field_values(grid).items() if len(vs) > 1 and f not in replicates]


def check_replicates(replicates: Any, grid: dict[str, list]) -> tuple[str, ...]:
    """``replicates`` as a tuple of field names: None is ``DEFAULT_REPLICATES``; else a non-empty list of
    distinct config fields of ``grid`` (a field not in the grid, or not a field: a ConfigError naming it). A
    linked item's fields are all replicates (its tuples are what each row averages over) or none: a row's
    members would otherwise differ in a field the rows are told apart by."""
    if replicates is None:
        _check_linked_replicates(DEFAULT_REPLICATES, grid, "the default --replicates")
        return DEFAULT_REPLICATES
    if isinstance(replicates, str) or not isinstance(replicates, Sequence) or not replicates:
        raise ConfigError(f"replicates: {replicates!r} is not a list of grid fields, e.g. ['seed', 'data_seed']")
    for f in replicates:
        if not isinstance(f, str) or f not in FIELD_NAMES:
            raise ConfigError(f"replicates: {f!r} is not a config field; valid: {', '.join(FIELD_NAMES)}")
        if f not in grid_fields(grid):
            raise ConfigError(
                f"replicates: {f!r} is not a field of the grid ({grid_text(grid)}); the table averages over grid fields"
            )
    if len(set(replicates)) < len(replicates):
        twice = next(f for f in replicates if replicates.count(f) > 1)
        raise ConfigError(f"replicates: {twice!r} is given twice")
    _check_linked_replicates(replicates, grid, "--replicates")
    return tuple(replicates)


def _check_linked_replicates(replicates: Sequence[str], grid: dict[str, list], given: str) -> None:
    """ConfigError where a linked item of ``grid`` mixes ``replicates`` (``given``: which) with other fields."""
    for key in grid:
        fields = item_fields(key)
        reps = [f for f in fields if f in replicates]
        if reps and len(reps) < len(fields):
            rest = [f for f in fields if f not in replicates]
            raise ConfigError(
                f"grid item {key!r}: {', '.join(reps)} {'is a replicate' if len(reps) == 1 else 'are replicates'} "
                f"({given}: each row averages over {'it' if len(reps) == 1 else 'them'}) but {', '.join(rest)} "
                f"{'tells' if len(rest) == 1 else 'tell'} the rows apart; a linked item's fields are all replicates "
                f"or none: give {reps[0]} its own grid item ({reps[0]}=V1,V2), or name every field of the item in "
                "--replicates"
            )


def replicates_flag(text: str | None, grid: dict[str, list]) -> tuple[str, ...] | None:
    """``--replicates seed,data_seed`` as ``check_replicates``' tuple (None: not given); else a ConfigError
    naming the flag and the field. Not given, the default's are checked (``check_replicates``)."""
    if text is None:
        check_replicates(None, grid)
        return None
    fields = [t.strip().replace("-", "_") for t in text.split(",")]
    try:
        return check_replicates(fields, grid)
    except ConfigError as e:
        raise ConfigError(f"--replicates {text}: {str(e).removeprefix('replicates: ')}") from None


def check_baseline(baseline: Any, grid: dict[str, list], replicates: Sequence[str]) -> dict[str, Any]:
    """``baseline``, the row of the table every other row is compared with, as ``{field: value}``: one value of
    each field the rows differ in (``varied_fields`` with these ``replicates``), each a value of the grid's;
    returned in grid order with the grid's own values. The fields of a linked item must name one of its tuples;
    those that the others given pick alone may be left out (``activation=sigmoid`` of
    ``activation,lr=sigmoid:0.03,relu:0.01``). Anything else is a ConfigError naming it: first a value that no
    config takes (``config.check_value``), in the words ``--baseline`` and ``--member`` use."""
    rows_by = varied_fields(grid, replicates)
    values = field_values(grid)
    if not isinstance(baseline, dict) or not baseline:
        raise ConfigError(
            f"baseline: {baseline!r} is not a {{field: value}} dict naming a row, e.g. {{'activation': 'sigmoid'}}"
        )
    if not rows_by:
        only = ", ".join(replicates)
        raise ConfigError(f"baseline: the table has one row (the grid varies only {only}): nothing to compare")
    # Every value first, as --baseline and --member read theirs: one that no config takes is named so (the field,
    # the value, what the field takes), not as "not in the grid" or as a field that tells no rows apart.
    checked = {}
    for field, value in baseline.items():
        if not isinstance(field, str) or field not in FIELD_NAMES:
            raise ConfigError(f"baseline: {field!r} is not a config field (the grid's: {', '.join(grid_fields(grid))})")
        value = _coerce(field, value, source="baseline")
        try:
            checked[field] = check_value(field, value)
        except ConfigError as e:
            raise ConfigError(f"baseline: {e}") from None
    chosen = {}
    for field, value in checked.items():
        if field not in rows_by:
            apart = ", ".join(rows_by)
            raise ConfigError(f"baseline: {field!r} does not tell the table's rows apart (they differ in {apart})")
        try:
            chosen[field] = values[field][value_index(values[field], value)]
        except ValueError:
            given, known = format_value(value), ",".join(map(format_value, values[field]))
            raise ConfigError(f"baseline: {field}={given} is not in the grid ({field}={known})") from None
    for key, tuples in grid.items():  # a linked item's values: of one of its tuples, the rest filled in if it is one
        fields = [(i, f) for i, f in enumerate(item_fields(key)) if f in rows_by]
        named = {f: chosen[f] for _, f in fields if f in chosen}
        if len(fields) < 2 or not named:
            continue
        rows = {tuple(t[i] for i, _ in fields) for t in tuples if all(t[i] == named.get(f, t[i]) for i, f in fields)}
        if not rows:
            raise ConfigError(
                f"baseline: {baseline_text(named)} is no row of the table: grid item {grid_text({key: tuples})} "
                "links other values"
            )
        if len(rows) == 1:
            chosen.update({f: v for (_, f), v in zip(fields, rows.pop())})
    if missing := [f for f in rows_by if f not in chosen]:
        apart = ", ".join(rows_by)
        raise ConfigError(f"baseline: give a value of {', '.join(missing)} too (the rows differ in {apart})")
    return {f: chosen[f] for f in rows_by}


def value_index(values: Sequence[Any], value: Any) -> int:
    """The position of ``value`` among a grid field's ``values``, compared as --grid writes them (a member's
    ``(16, 16)`` is the grid's ``16x16``); ValueError where it is none of them."""
    return [format_value(v) for v in values].index(format_value(value))


def baseline_text(baseline: dict[str, Any]) -> str:
    """``activation=sigmoid,standardize=true``: a baseline row (or any row's, or member's, grid values) as
    --baseline and --member take it."""
    return ",".join(f"{f}={format_value(v)}" for f, v in baseline.items())


def selection_items(text: str) -> list[str]:
    """The ``FIELD=VALUE`` items of a selection (``--member``, ``--baseline``), parted by commas:
    ``hidden=32,32,seed=2`` → ``["hidden=32,32", "seed=2"]``. A number after an item is more of its value: of a
    list field's (hidden, keep_epochs) its list, so ``hidden=32,32`` names what the grid writes ``hidden=32x32``;
    of another field's a value its parse refuses naming the field (``seed=1,-1``: one seed, not two). Any other
    part without '=' stays an item of its own (its reader refuses it)."""
    items: list[str] = []
    for part in text.split(","):
        if items and "=" in items[-1] and _is_number(part):
            items[-1] += f",{part}"
        else:
            items.append(part)
    return items


def _is_number(text: str) -> bool:
    """``text`` reads as a number to Python (``-4``, ``0.5``, ``1e-3``, ``inf``) once each character outside ASCII
    is taken for a digit: a full-width ``４``, a superscript ``²`` or a ``−`` (U+2212) is its field's value, which
    ``parse_value`` then refuses naming the character (``config.non_ascii_note``), not an item of its own."""
    try:
        float("".join(c if c.isascii() else "0" for c in text))
    except ValueError:
        return False
    return True


def selection_fields(text: str, example: str, fields: Sequence[str]) -> dict[str, Any]:
    """The fields and values of a selection ``FIELD=VALUE[,FIELD=VALUE..]`` (``--member``, ``--baseline``), in the
    order given: its ``selection_items``, each value read as ``--grid`` reads it (``config.parse_value``) and checked
    as every config checks it (``config.check_value``). A ConfigError, for the caller to prefix, for an item that is
    not FIELD=VALUE (``example`` shows one), a field that is not a config field (``fields``, the grid's, named),
    a field given twice, or a value its field cannot take."""
    chosen: dict[str, Any] = {}
    for item in selection_items(text):
        field, sep, value = item.partition("=")
        field = field.strip().replace("-", "_")
        if not sep or not field or not value.strip():
            # commas part the items, except the numbers of a list (hidden=16,16: selection_items)
            raise ConfigError(f"{item.strip()!r} is not FIELD=VALUE (e.g. {example}){non_ascii_note(item)}")
        if field not in FIELD_NAMES:
            raise ConfigError(f"{field!r} is not a config field (the grid's: {', '.join(fields)})")
        if field in chosen:
            raise ConfigError(f"{field!r} is given twice")
        chosen[field] = check_value(field, parse_value(field, value.strip()))
    return chosen


def baseline_flag(text: str | None, grid: dict[str, list], replicates: Sequence[str]) -> dict[str, Any] | None:
    """``--baseline activation=sigmoid,lr=0.03`` as ``check_baseline``'s dict (None: not given); else a
    ConfigError naming the flag and what is wrong."""
    if text is None:
        return None
    try:
        fields = selection_fields(text, "activation=sigmoid,lr=0.03", grid_fields(grid))
        return check_baseline(fields, grid, replicates)
    except ConfigError as e:
        raise ConfigError(f"--baseline {text}: {str(e).removeprefix('baseline: ')}") from None


def member_name(cfg: Config, fields: Sequence[str]) -> str:
    """``activation=relu,standardize=true,seed=3``: the member's grid fields, in grid order (``format_value``)."""
    return ",".join(f"{f}={format_value(getattr(cfg, f))}" for f in fields)


def legacy_member_name(cfg: Config, fields: Sequence[str]) -> str:
    """The name an nnjax before 2026-12-07 gave the member ``member_name`` names: a bool as Python's
    ``standardize=True``. The same as ``member_name``'s where no grid field is a bool. Folders such an nnjax
    named so (``time_to_target``'s runs) are found by it."""
    return ",".join(f"{f}={v}" if isinstance(v := getattr(cfg, f), bool) else f"{f}={format_value(v)}" for f in fields)


def expand(base: Config, grid: dict[str, Sequence[Any]], new: bool = True) -> list[Config]:
    """Every combination of grid values applied to ``base`` (cartesian product, first field slowest),
    each validated (``config.validate(new=)``: False for a saved sweep) and named by its grid values.

    A new sweep (``new``) refuses a grid over a field that changes no result (``NO_RESULT_GRID``) or that
    no member uses (``config.unused_fields``): its values would train identical networks. A field set (in
    the base or the grid) that only some members use is accepted; for a grid field, ``ignored_by`` names
    the members that ignore it."""
    grid = normalize_grid(grid)
    fields, values = grid_fields(grid), field_values(grid)
    for field in fields if new else ():  # a saved sweep (made by an older nnjax) is read as it was made
        if field in NON_RESULT_FIELDS:
            why = NO_RESULT_GRID.get(field, "it")
            raise ConfigError(
                f"grid field {field!r}: {why} changes no result (a grid over it trains identical networks); "
                f"give it once for the whole sweep ({flag_name(field)})"
            )
    configs = []
    for member in member_values(grid):
        cfg = base.replace(**member)
        configs.append(cfg.replace(name=member_name(cfg, fields)))
    used = {f for c in configs for f in NEUTRAL if f not in unused_fields(c)}  # by some member
    for cfg in configs:
        try:
            validate(cfg, new=new, used_elsewhere=used)
        except ConfigError as e:
            field = e.unused  # set but unused (validate): by no member, no member's doing
            if field and (why := unused_by_every(field, configs)):
                if len(values.get(field, ())) > 1:
                    raise _identical_networks(field, why) from None
                named = tuple(f for f in e.fields if f == field or f not in fields)  # a flag's, a file's
                raise ConfigError(
                    f"config field {field!r} = {getattr(cfg, field)!r}: {why}", fields=named, unused=field
                ) from None
            shared = None if set(e.fields) & set(fields) else e  # not the grid's doing: every member has it
            raise ConfigError(f"sweep member {cfg.name}: {e}", fields=e.fields, shared=shared) from None
    for field in fields if new else ():  # its values would train identical networks, told apart as if they differed
        if len(values[field]) > 1 and (why := unused_by_every(field, configs)):
            raise _identical_networks(field, why)
    twins = _twins(configs) if new else []
    if sum(map(len, twins)) == len(configs) > 0:  # every member has a twin
        renamed = {why: g for g in twins if (why := _renamed(g))}  # each group's own reason
        by_init = [g for g in twins if len({c.init for c in g}) > 1]
        if not renamed and by_init:
            raise ConfigError(f"grid field 'init': {_auto_is(by_init)}, so its values would train identical networks")
        whys = [*renamed, *([f"init {_auto_is(by_init)}"] if by_init else [])]
        a, b = _pair(next(iter(renamed.values()), twins[0]))
        why = f"{'; '.join(whys)}, so every" if whys else "every"
        raise ConfigError(f"grid: {why} member trains the same network as another (e.g. {a} and {b})")
    return configs


def _identical_networks(field: str, why: str) -> ConfigError:
    """The refusal of a grid over ``field``, which no member uses (``why``)."""
    return ConfigError(f"grid field {field!r}: {why}, so its values would train identical networks")


def unused_by_every(field: str, configs: Sequence[Config]) -> str | None:
    """Why no member uses ``field`` (``config.unused_fields``' reason, each member's own case joined:
    ``only schedule warmup_cosine uses it (schedule is constant; schedule is cosine)``), or None if one does."""
    whys = dict.fromkeys(unused_fields(c).get(field) for c in configs)
    if not whys or None in whys:
        return None
    heads = {why.partition(" (")[0] for why in whys}
    if len(whys) == 1 or len(heads) > 1:
        return "; ".join(whys)
    return f"{heads.pop()} ({'; '.join(why.partition(' (')[2].removesuffix(')') for why in whys)})"


def ignored_by(configs: Sequence[Config], grid: dict[str, list]) -> list[str]:
    """One line per grid field with several values that some members do not use (the others do): those
    members train identical networks under different values (a cross-product such as
    ``optimizer=sgd,momentum momentum=0.5,0.9``), which a reader of the table should be told. Likewise a
    grid over init whose "auto" is, for some activation, another of its values, and members that train
    what another does by another name (``config.what_trains``: warmup_cosine with no warm-up is cosine)."""
    lines = []
    fields, grid = grid_fields(grid), field_values(grid)
    for field, values in grid.items():
        ignoring = [c for c in configs if field in unused_fields(c)]
        if len(values) > 1 and ignoring:
            twins: dict[tuple, list[Config]] = {}
            for c in ignoring:  # the members that differ only in this field
                twins.setdefault(tuple(getattr(c, f) for f in fields if f != field), []).append(c)
            pair = next((ts for ts in twins.values() if len(ts) > 1), None)
            if pair is None:  # a linked item gave each ignoring member its own other values: no two alike
                continue
            a, b = pair[:2]
            lines.append(
                f"{len(ignoring)} members ignore grid field {field!r} ({unused_fields(a)[field]}): "
                f"e.g. {a.name} and {b.name} train the same network"
            )
    all_twins = _twins(configs)
    twins = [g for g in all_twins if len({c.init for c in g}) > 1] if len(grid.get("init", [])) > 1 else []
    if twins:
        a = next(c for c in twins[0] if c.init == "auto")
        b = next(c for c in twins[0] if c.init != "auto")
        lines.append(f"grid field 'init': {_auto_is(twins)}: e.g. {a.name} and {b.name} train the same network")
    inits = {c.init for c in configs}
    if len(grid.get("activation", [])) > 1 and "init" not in grid and inits != {"auto"} and len(inits) == 1:
        from nnjax.activations import DEFAULT_INIT

        init = inits.pop()
        other = {c.activation: DEFAULT_INIT[c.activation] for c in configs if DEFAULT_INIT[c.activation] != init}
        if other:
            own = ", ".join(f"{i} for {a}" for a, i in other.items())
            lines.append(f"init {init} is every member's, where auto would choose {own}; init auto gives each its own")
    by_note: dict[str, list[list[Config]]] = {}
    for g in all_twins:
        if why := _renamed(g):
            by_note.setdefault(why, []).append(g)
    for why, groups in by_note.items():
        a, b = _pair(groups[0])
        lines.append(f"{why}: e.g. {a} and {b} train the same network")
    return lines


def _twins(configs: Sequence[Config]) -> list[list[Config]]:
    """The groups of members that train the same network (``config.what_trains``) under different names."""
    same: dict[str, list[Config]] = {}
    for c in configs:
        same.setdefault(json.dumps(what_trains(c)[0], sort_keys=True), []).append(c)
    return [g for g in same.values() if len(g) > 1]


def _pair(twins: list[Config]) -> tuple[str, str]:
    """The names of two twins to show: one that trains under another name (``what_trains``' notes) last."""
    plain = sorted(twins, key=lambda c: bool(what_trains(c)[1]))
    return plain[0].name, plain[-1].name


def _renamed(twins: list[Config]) -> str:
    """Why members train the same network although their settings differ: ``what_trains``' notes on fields
    whose values differ among them (``config.WHAT_TRAINS_NOTES``), or ''."""
    notes = {n: None for c in twins for n in what_trains(c)[1]}
    # a note on fields the twins share (the base's no hidden layer, where they differ in init) tells none apart
    differ = [n for n in notes if any(len({getattr(c, f) for c in twins}) > 1 for f in WHAT_TRAINS_NOTES[n])]
    return "; ".join(differ)


def _auto_is(twins: list[list[Config]]) -> str:
    """``auto is glorot for sigmoid and tanh, he for relu``: what "auto" means for the twins' activations."""
    acts: dict[str, list[str]] = {}
    for c in (c for g in twins for c in g if c.init == "auto"):
        if c.activation not in acts.setdefault(c.resolved_init(), []):
            acts[c.resolved_init()].append(c.activation)
    return "auto is " + ", ".join(f"{init} for {' and '.join(a)}" for init, a in acts.items())


def group(configs: Sequence[Config]) -> list[list[Config]]:
    """Members split into groups that can train as one compiled ensemble (they share every ``GROUP_FIELDS``
    value: the compiled program, data and saving), in order of first appearance."""
    groups: dict[tuple, list[Config]] = {}
    for cfg in configs:
        groups.setdefault(tuple(getattr(cfg, f) for f in GROUP_FIELDS), []).append(cfg)
    return list(groups.values())


def grid_text(grid: dict[str, list]) -> str:
    """``activation=sigmoid,relu seed=0,1`` (``activation,lr=sigmoid:0.03,relu:0.01`` for a linked item): the
    grid as --grid takes it."""
    return " ".join(f"{f}={','.join(_item_value(f, v) for v in vs)}" for f, vs in grid.items())


def json_value(v: Any) -> Any:
    """A config value as JSON holds it (hidden layers: a list)."""
    return list(v) if isinstance(v, tuple) else v


def grid_json(grid: dict[str, list]) -> dict[str, list]:
    """The grid as sweep.json and the summary hold it (a linked item's tuples: lists)."""
    return {f: [[json_value(x) for x in v] if "," in f else json_value(v) for v in vs] for f, vs in grid.items()}
