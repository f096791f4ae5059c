"""The typed config: flag parsing, JSON round-trips and validation (no JAX computation here)."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from nnjax import config as C
from nnjax.activations import ACTIVATIONS, DEFAULT_INIT, FORMULAS
from nnjax.configs import CONFIGS, get_config
from nnjax.errors import ConfigError


def test_defaults_are_the_video_network():
    cfg = C.Config()
    assert (cfg.hidden, cfg.activation, cfg.dataset) == ((16, 16), "sigmoid", "mnist")
    assert cfg.resolved_init() == "glorot"  # the README's init for sigmoid
    assert cfg.replace(activation="relu").resolved_init() == "he"
    assert C.validate(cfg) is cfg


def test_every_field_documents_itself():
    assert all(f.metadata.get("help") for f in dataclasses.fields(C.Config))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_named_configs_are_valid(name):
    C.validate(get_config(name))


# What each named config's docstring says it is (the settings its README result was measured with), and the
# words that say it there: a setting changed in one place and not the other fails here.
NAMED = {
    "video": (
        {"name": "video", "hidden": (16, 16), "activation": "sigmoid", "standardize": False, "optimizer": "adam",
         "lr": 0.01, "schedule": "cosine", "weight_decay": 2e-4, "batch_size": 32, "epochs": 100},
        ["784-16-16-10", "sigmoid", "lr 0.01", "weight decay 2e-4", "batch 32", "100 epochs", "Glorot"],
    ),
    "video_relu": (
        {"name": "video_relu", "hidden": (16, 16), "activation": "relu", "standardize": True, "optimizer": "adam",
         "lr": 0.003, "weight_decay": 1e-3, "batch_size": 32, "epochs": 60},
        ["784-16-16-10", "ReLU", "He init", "standardised", "lr 0.003", "weight decay 1e-3", "60 epochs"],
    ),
    "wide": (
        {"name": "wide", "hidden": (256, 256), "activation": "relu", "optimizer": "adam", "lr": 0.003,
         "weight_decay": 0.0, "batch_size": 128, "epochs": 10},
        ["784-256-256-10", "ReLU", "lr 0.003", "no weight decay", "batch 128", "10 epochs"],
    ),
    "nielsen": (
        {"name": "nielsen", "hidden": (30,), "activation": "sigmoid", "init": "standard_normal", "cost": "quadratic",
         "optimizer": "sgd", "lr": 3.0, "momentum": 0.0, "weight_decay": 0.0, "schedule": "constant",
         "batch_size": 10, "epochs": 30},
        ["784-30-10", "sigmoid", "quadratic cost", "N(0, 1)", "SGD", "constant lr 3.0", "no weight decay", "batch 10",
         "30 epochs"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_each_named_config_is_what_its_docstring_says(name):
    """A mutation audit changed video_relu's lr, wide's batch size or layers, and the named configs' own names,
    and no test failed: the configs were only checked to be valid."""
    fields, words = NAMED[name]
    cfg = get_config(name)
    assert {f: getattr(cfg, f) for f in fields} == fields
    assert cfg.resolved_init() == fields.get("init", "glorot" if cfg.activation == "sigmoid" else "he")
    doc = " ".join(CONFIGS[name].__doc__.split())
    assert [w for w in words if w not in doc] == []


@pytest.mark.parametrize(
    "cfg",
    [C.Config(), get_config("nielsen"), C.Config(hidden=(), validation=True, standardize=True, scan_unroll=2),
     C.Config(optimizer="momentum", momentum=0.5, schedule="warmup_cosine", warmup_epochs=3, lr=1e-5),
     C.Config(train_size=1000, validation=True)],
)  # fmt: skip
def test_the_recipe_line_names_every_field_that_trains_and_reads_back(cfg):
    """``nnjax train``'s first line: each ``field=value`` parses back to the config's value, and together with
    the network it names all of ``result_fields`` (a field the optimiser or schedule ignores is left out)."""
    words = C.recipe_text(cfg).split()
    assert words[:2] == ["mnist", "784-" + "".join(f"{n}-" for n in cfg.hidden) + "10"]
    pairs = dict(w.split("=", 1) for w in words if "=" in w)
    assert {k: C.parse_value(k, v) for k, v in pairs.items()} == {
        k: v for k, v in C.result_fields(cfg).items() if k in pairs
    }
    named = {"dataset", "hidden", "activation"} | {k for k in ("validation", "train_size", "standardize", "scan_unroll")
             if not C.result_fields(cfg)[k]}  # fmt: skip
    assert set(pairs) | named == set(C.result_fields(cfg))
    assert ("sigmoid" in words) == bool(cfg.hidden) and ("momentum" in pairs) == (cfg.optimizer != "sgd")


def test_a_sweeps_recipe_line_shows_each_grid_field_as_swept():
    """A sweep's recipe line (a researcher's seed-only sweep printed a table naming neither activation nor lr):
    each grid field as --grid takes it, in its place; the rest as a run's; init ``auto`` where the grid varies
    the activation, which then picks each member's init."""
    base = get_config("nielsen")
    assert C.recipe_text(base, {"seed": [0, 1, 2]}) == C.recipe_text(base).replace(" seed=0 ", " seed=0,1,2 ")
    assert C.recipe_text(C.Config(), {"hidden": [(16, 16), (32,)], "activation": ["sigmoid", "relu"],
                                      "lr": [0.01, 0.03]}) == (
        "mnist hidden=16x16,32 activation=sigmoid,relu init=auto cost=cross_entropy optimizer=adam lr=0.01,0.03 "
        "momentum=0.9 weight_decay=0.0002 schedule=cosine batch_size=32 epochs=100 seed=0 data_seed=0"
    )  # fmt: skip
    # a bool as the flags take it (and as the table, members.csv and the members' names write it)
    assert " standardize=false,true " in C.recipe_text(C.Config(), {"standardize": [False, True]})
    assert " sigmoid validation=true standardize=true " in C.recipe_text(C.Config(validation=True, standardize=True))


def test_unknown_named_config_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="video_relu"):
        get_config("vide")


def test_a_folder_typed_relative_is_stored_as_the_folder_it_names(tmp_path, monkeypatch):
    """config.json keeps meaning the same data folder when read from elsewhere (nnjax eval from another cwd)."""
    monkeypatch.chdir(tmp_path)
    assert C.parse_value("data_dir", "../shared/data/mnist") == str(tmp_path.parent / "shared" / "data" / "mnist")
    assert C.parse_value("tfds_dir", "cache") == str(tmp_path / "cache")
    assert C.parse_value("name", "runs") == "runs"  # other text fields are left as typed


@pytest.mark.parametrize(
    "field, text, value",
    [
        ("hidden", "16,16", (16, 16)),
        ("hidden", "16x16", (16, 16)),
        ("hidden", "1024", (1024,)),
        ("hidden", "none", ()),
        ("lr", "0.1", 0.1),
        ("lr", "1e-3", 1e-3),
        ("epochs", "7", 7),
        ("activation", "relu", "relu"),
        ("data_dir", "none", None),
        ("tfds_dir", "null", None),  # JSON's spelling of none
        ("hidden", "None", ()),  # as case-blind as the folder fields' none
        ("data_dir", "/some/where", "/some/where"),
        ("standardize", "true", True),
        ("standardize", "Yes", True),
        ("standardize", "1", True),
        ("validation", "false", False),
        ("validation", "off", False),
        ("validation", "0", False),
    ],
)
def test_parse_value(field, text, value):
    got = C.parse_value(field, text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    "field, text",
    [("hidden", "16,a"), ("hidden", "16,,16"), ("lr", "fast"), ("epochs", "2.5"), ("standardize", "maybe")],
)
def test_unparsable_value_names_field_and_value(field, text):
    with pytest.raises(ConfigError) as e:
        C.parse_value(field, text)
    assert repr(field) in str(e.value) and repr(text) in str(e.value)


def test_unknown_field_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="batch_size"):
        C.parse_value("batchsize", "3")


def test_apply_overrides():
    cfg = C.apply_overrides(C.Config(), {"lr": "0.1", "hidden": "32x8", "activation": "relu", "standardize": "true"})
    assert (cfg.lr, cfg.hidden, cfg.activation, cfg.standardize) == (0.1, (32, 8), "relu", True)
    assert cfg.epochs == C.Config().epochs


def test_json_round_trip(tmp_path):
    cfg = C.Config(name="x", hidden=(32, 8), activation="tanh", lr=0.05, standardize=True, tfds_dir="/t", epochs=3)
    C.save_json(cfg, tmp_path / "config.json")
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["init"] == cfg.resolved_init() != "auto"  # the file records what was actually used
    assert saved["hidden"] == [32, 8]
    back = C.load_json(tmp_path / "config.json")
    assert back == cfg.replace(init=cfg.resolved_init())
    assert C.result_fields(back) == C.result_fields(cfg)


def test_a_saved_config_missing_a_field_is_refused_not_defaulted(tmp_path):
    C.save_json(C.Config(activation="relu"), tmp_path / "config.json")
    saved = json.loads((tmp_path / "config.json").read_text())
    del saved["activation"]  # its default (sigmoid) would evaluate ReLU weights as sigmoid
    (tmp_path / "config.json").write_text(json.dumps(saved))
    with pytest.raises(ConfigError) as e:
        C.load_json(tmp_path / "config.json")
    assert (
        str(e.value)
        == f"{tmp_path / 'config.json'}: config field 'activation' missing (a saved config holds every field)"
    )
    saved["activation"] = "relu"
    del saved["scan_unroll"]  # added after config_format 1: configs saved before it still load
    (tmp_path / "config.json").write_text(json.dumps(saved))
    assert C.load_json(tmp_path / "config.json").activation == "relu"


def test_a_hand_written_config_file_may_leave_fields_out(tmp_path):
    path = _write(tmp_path, '{"activation": "relu", "lr": 0.1}')
    assert C.load_json(path) == C.Config(activation="relu", lr=0.1)


def test_result_fields_ignore_where_data_lives():
    a, b = C.Config(), C.Config(data_dir="/x", tfds_dir="/y", name="other", checkpoint_every=1)
    assert C.result_fields(a) == C.result_fields(b)
    assert C.result_fields(a) != C.result_fields(a.replace(lr=0.1))


def test_result_fields_leave_out_what_the_optimiser_and_schedule_do_not_use():
    """sgd has no momentum and only warmup_cosine warms up: a resume may not call them result changes."""
    sgd = C.Config(optimizer="sgd", schedule="constant")
    assert "momentum" not in C.result_fields(sgd) and "warmup_epochs" not in C.result_fields(sgd)
    assert C.result_fields(sgd) == C.result_fields(sgd.replace(momentum=0.5, warmup_epochs=3))
    assert C.result_fields(sgd.replace(optimizer="momentum"))["momentum"] == 0.9
    assert C.result_fields(sgd.replace(schedule="warmup_cosine"))["warmup_epochs"] == 0
    C.check_given(sgd, ["lr", "weight_decay"])
    C.check_given(sgd.replace(momentum=0.0, warmup_epochs=0), ["momentum", "warmup_epochs"])  # "none": what it does
    with pytest.raises(ConfigError, match="config field 'momentum' = 0.9: optimizer sgd does not use it"):
        C.check_given(sgd, ["lr", "momentum"])


def test_warmup_cosine_asked_for_without_a_warm_up_is_refused():
    """``--schedule warmup_cosine`` alone leaves warmup_epochs at 0 and would train plain cosine."""
    warm = C.Config(schedule="warmup_cosine")
    with pytest.raises(ConfigError, match="^config field 'schedule' = 'warmup_cosine': warmup_epochs is 0, which"):
        C.check_given(warm, ["schedule"])
    C.check_given(warm, ["schedule", "warmup_epochs"])  # --warmup-epochs 0 said outright: what it does
    C.check_given(warm.replace(warmup_epochs=2), ["schedule"])  # a warm-up from the config file
    C.check_given(warm, ["lr"])  # warmup_cosine from the config file, not asked for here


def test_what_trains_names_settings_that_train_the_same_network():
    """Each rewrite trains what the other name does (tests/test_train.py trains both and compares)."""
    base = C.Config()
    assert C.what_trains(base) == (C.result_fields(base), [])
    for a, b in (
        (base.replace(schedule="warmup_cosine"), base),
        (base.replace(optimizer="momentum", momentum=0.0), base.replace(optimizer="sgd")),
        (base.replace(optimizer="adamw", weight_decay=0.0), base.replace(weight_decay=0.0)),
        (base.replace(scan_unroll=1), base),
    ):
        assert C.what_trains(a)[0] == C.what_trains(b)[0] and C.what_trains(a)[1] and not C.what_trains(b)[1]
    no_hidden = base.replace(hidden=())
    assert C.what_trains(no_hidden.replace(activation="tanh"))[0] == C.what_trains(no_hidden)[0]  # both glorot
    for a, b in (
        (base.replace(hidden=(), activation="relu"), base.replace(hidden=())),  # auto: he, not glorot
        (base.replace(optimizer="adamw"), base),  # decoupled weight decay, not L2
        (base.replace(schedule="warmup_cosine", warmup_epochs=1), base),
        (base.replace(scan_unroll=2), base),  # another program: not promised to round alike
    ):
        assert C.what_trains(a)[0] != C.what_trains(b)[0]


def _write(tmp_path, text: str):
    path = tmp_path / "c.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"lr": 0.1, "learning_rate": 0.2}', "unknown config field 'learning_rate'"),
        ('{"lr": 0.1,', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"epochs": "many"}', "cannot parse 'many'"),
        ('{"epochs": 2.5}', "wrong type: 2.5 (expected an integer)"),
        ('{"hidden": [16, "a"]}', "list of integers"),
        ('{"hidden": [16, 2.5]}', "list of integers"),  # a number, but no layer size
        ('{"lr": true}', "wrong type: true (expected a number)"),  # true is 1 to Python, no learning rate
        ('{"data_dir": 5}', "wrong type: 5 (expected text or null)"),
        ('{"config_format": 99}', "config_format 99"),
        ('{"config_format": true}', "config_format True is not supported"),  # true == 1 to Python
        ('{"epochs": true}', "wrong type"),  # a bool is no integer (JSON true is not 1 epoch)
        # json keeps the last of two, without a word: which one was meant?
        ('{"lr": 0.1, "epochs": 2, "lr": 0.01}', "field 'lr' is given twice; give each field once"),
    ],
)
def test_bad_config_file_names_file_and_problem(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        C.load_json(path)
    assert message in str(e.value)
    assert str(path) in str(e.value)


def test_a_sweep_file_is_not_a_config(tmp_path):
    """sweep.json (base and grid) given as a config: said so, and --resume suggested only for a sweep folder's."""
    text = '{"sweep_format": 1, "config_format": 1, "base": {}, "grid": {}}'
    (tmp_path / "sweep.json").write_text(text)
    with pytest.raises(ConfigError, match=f"continue that sweep with nnjax sweep --resume {tmp_path}, or give"):
        C.load_json(tmp_path / "sweep.json")
    with pytest.raises(ConfigError, match=r"copy.json: a sweep.s file \(its base config and grid\), not a config; gi"):
        C.load_json(_write(tmp_path, text).rename(tmp_path / "copy.json"))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        C.load_json(tmp_path / "nope.json")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"hidden": (16, 0)}, "hidden"),
        ({"hidden": (-3,)}, "hidden"),
        ({"lr": 0.0}, "lr"),
        ({"lr": -0.1}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": -1}, "epochs"),
        ({"keep_checkpoints": 0}, "keep_checkpoints"),  # would keep every checkpoint ([:-0] prunes none)
        ({"checkpoint_every": -1}, "checkpoint_every"),
        ({"keep_epochs": (0, 5)}, "keep_epochs"),  # epoch 0 is regenerated from the config, never saved
        ({"keep_epochs": (5, 101)}, "keep_epochs"),  # past the run's 100 epochs: never written
        ({"keep_epochs": (5, 10, 5)}, "keep_epochs"),  # listed twice
        ({"activation": "sigmod"}, "activation"),
        ({"optimizer": "adamx"}, "optimizer"),
        ({"cost": "hinge"}, "cost"),
        ({"schedule": "linear"}, "schedule"),
        ({"dataset": "cifar10"}, "dataset"),
        ({"init": "xavier"}, "init"),
        ({"momentum": 1.0}, "momentum"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),  # jax.random.key would wrap it to seed 0
        ({"data_seed": 2**63}, "data_seed"),
        ({"schedule": "warmup_cosine", "epochs": 10, "warmup_epochs": 10}, "warmup_epochs"),
        ({"schedule": "cosine", "warmup_epochs": 2}, "warmup_epochs"),  # ignored by cosine: refused, not silent
        # beyond what training can hold: a msgpack OverflowError traceback after 5 epochs, float32 overflow
        # warnings and a divergence blamed on the learning rate, or minutes of compiling and no memory
        ({"epochs": 10**20}, "epochs"),
        # Optax counts steps in int32: past 2**31 - 1 the cosine schedule would stop (at 0.716 of the peak)
        ({"epochs": 2**31 // 1875 + 1}, "epochs"),
        ({"batch_size": 1, "epochs": 35_792}, "epochs"),  # 60,000 steps an epoch
        ({"batch_size": 1, "epochs": 42_950, "validation": True}, "epochs"),  # 50,000
        ({"batch_size": 1, "epochs": 8_948, "dataset": "emnist/digits"}, "epochs"),  # 240,000
        ({"batch_size": 2**31}, "batch_size"),
        ({"lr": 1e39}, "lr"),
        ({"lr": 1e-320}, "lr"),  # positive, but 0 in the float32 optimiser: trained nothing, without a word
        ({"weight_decay": 1e300}, "weight_decay"),
        ({"weight_decay": float("inf")}, "weight_decay"),
        ({"scan_unroll": 2000}, "scan_unroll"),
        ({"scan_unroll": -1}, "scan_unroll"),
        ({"momentum": 0.99999999}, "momentum"),  # 1 in the optimiser's float32: Adam divided by 0
        ({"train_size": 0}, "train_size"),
        ({"train_size": -1}, "train_size"),
        ({"train_size": 60_001}, "train_size"),  # more than MNIST's training split holds
        ({"train_size": 50_001, "validation": True}, "train_size"),  # more than validation leaves of it
        ({"train_size": 240_001, "dataset": "emnist/digits"}, "train_size"),
        ({"train_size": 100, "batch_size": 101}, "batch_size"),  # no mini-batch fits in the images trained on
        ({"train_size": 1000, "batch_size": 1, "epochs": 2**31 // 1000 + 1}, "epochs"),  # steps of 1,000 images
    ],
)
def test_validate_names_the_bad_field(changes, field):
    with pytest.raises(ConfigError) as e:
        C.validate(C.Config().replace(**changes))
    assert str(e.value).startswith(f"config field {field!r}")


INT_FIELDS = (
    "train_size",
    "warmup_epochs",
    "batch_size",
    "epochs",
    "seed",
    "data_seed",
    "scan_unroll",
    "checkpoint_every",
    "keep_checkpoints",
)


@pytest.mark.parametrize("field", INT_FIELDS)
@pytest.mark.parametrize("value", [1000.0, True, "1000"])
def test_validate_refuses_a_non_integer_in_an_integer_field(field, value):
    """Config(train_size=1000.0) passed validate and was refused only by data.take_train, after the folder
    was made; True read as 1. Built in Python, such a value is the one line a bad flag value gives."""
    with pytest.raises(ConfigError) as e:
        C.validate(C.Config().replace(**{field: value}))
    none = " or None" if field == "train_size" else ""
    assert str(e.value) == f"config field {field!r} = {value!r}: must be an integer{none}"
    assert e.value.fields == (field,)


def test_validate_types_every_field_and_takes_an_int_where_a_float_goes():
    for changes, said in [
        ({"standardize": 1}, "config field 'standardize' = 1: must be True or False"),
        ({"lr": True}, "config field 'lr' = True: must be a number"),
        ({"hidden": 32}, "config field 'hidden' = 32: must be layer sizes, a tuple of integers such as (16, 16)"),
        ({"hidden": (16.0, 16)}, "config field 'hidden' = (16.0, 16): must be layer sizes, a tuple of integers"),
    ]:
        with pytest.raises(ConfigError, match=f"^{re.escape(said)}"):
            C.validate(C.Config().replace(**changes))
    cfg = C.Config(lr=1, weight_decay=0, momentum=0, train_size=None)  # ints where floats go: numbers
    assert C.validate(cfg) is cfg
    with pytest.raises(ConfigError, match=r"^cfg.json: field 'train_size' has the wrong type: 1000.0 \(expected an "):
        C.from_dict({"train_size": 1000.0}, source="cfg.json")  # a config file's own message, before validate


def test_train_size_is_a_positive_whole_number_of_images_the_training_split_holds():
    """``train_size``: the first N training images (None: all); the bounds are the split's own (60,000 for MNIST,
    50,000 with validation's hold-out), and a batch larger than N is refused against N, naming it."""
    assert C.Config().train_size is None
    for cfg in (C.Config(train_size=60_000), C.Config(train_size=50_000, validation=True), C.Config(train_size=1)):
        assert C.validate(cfg.replace(batch_size=1)) is not None
    assert C.validate(C.Config(train_size=1000, batch_size=1, epochs=100_000))  # 6e9 steps of 60,000 images
    assert C.training_images(C.Config(train_size=1_000)) == 1_000
    assert C.training_images(C.Config(validation=True)) == 50_000
    with pytest.raises(ConfigError) as e:
        C.validate(C.Config(train_size=50_001, validation=True))
    assert str(e.value) == (
        "config field 'train_size' = 50001: more than the 50,000 images of mnist's training split left by validation "
        "(60,000 less the 10,000 held out)"
    )
    assert "train_size" in e.value.fields and "validation" in e.value.fields  # a sweep names the flag or grid item
    with pytest.raises(ConfigError) as e:
        C.validate(C.Config(train_size=20, batch_size=32))
    assert str(e.value) == "config field 'batch_size' = 32: larger than the 20 training images (train_size 20)"
    assert "train_size" in e.value.fields
    assert C.parse_value("train_size", "1000") == 1000 and C.parse_value("train_size", "none") is None
    for text in ("1.5", "1e3", "many"):
        said = f"^config field 'train_size': cannot parse '{text}' as an integer or none$"  # none is one too
        with pytest.raises(ConfigError, match=said):
            C.parse_value("train_size", text)


def test_keep_epochs_parses_commas_only_while_hidden_also_takes_the_grid_form():
    # 16x16 is hidden's grid form (a grid splits values on commas); 1x2 is no list of epochs
    assert C.parse_value("hidden", "16x16") == (16, 16) and C.parse_value("keep_epochs", "1,2,5") == (1, 2, 5)
    assert C.parse_value("keep_epochs", "none") == ()
    with pytest.raises(ConfigError, match=r"^config field 'keep_epochs': cannot parse '1x2' as epochs like 1,2,5,10"):
        C.parse_value("keep_epochs", "1x2")


@pytest.mark.parametrize(
    "flags, said",
    [
        (["--train-size", "0"], "config field 'train_size' = 0: must be positive (none: every training image)"),
        (["--train-size", "-3"], "config field 'train_size' = -3: must be positive (none: every training image)"),
        (["--train-size", "2.5"], "config field 'train_size': cannot parse '2.5' as an integer or none"),
        (["--train-size", "60001"], "config field 'train_size' = 60001: more than the 60,000 images of mnist's "
         "training split"),
        (["--train-size", "50001", "--validation", "true"], "config field 'train_size' = 50001: more than the 50,000 "
         "images of mnist's training split left by validation (60,000 less the 10,000 held out)"),
        (["--train-size", "10"], "config field 'batch_size' = 32: larger than the 10 training images (train_size 10)"),
    ],
)  # fmt: skip
def test_nnjax_train_refuses_a_bad_train_size_in_one_line_before_loading_anything(
    flags, said, cli_error, monkeypatch, tmp_path
):
    import nnjax.run

    monkeypatch.setattr(nnjax.run, "load_splits", lambda *a, **k: pytest.fail("loaded data despite bad input"))
    assert cli_error("train", *flags, "--out", tmp_path / "r", "--no-progress") == f"nnjax: error: {said}"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("value", [1000.0, True, [1000]])
def test_a_config_file_train_size_must_be_an_integer_or_null(tmp_path, value):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"train_size": value}))
    with pytest.raises(
        ConfigError, match=r"field 'train_size' has the wrong type: .* \(expected an integer or null\)$"
    ):
        C.load_json(path)
    for ok, got in ((1000, 1000), (None, None), ("2000", 2000)):
        path.write_text(json.dumps({"train_size": ok}))
        assert C.load_json(path).train_size == got


def test_a_saved_config_of_before_train_size_trained_on_every_image(tmp_path):
    """A run folder's config.json written before the field existed: read as the whole split, which it trained on."""
    path = tmp_path / "config.json"
    d = {"config_format": C.CONFIG_FORMAT, **C.Config().to_dict()}
    del d["train_size"]
    path.write_text(json.dumps(d))
    assert C.load_json(path).train_size is None


def test_train_size_of_the_whole_split_trains_what_none_does():
    """60,000 MNIST images in tfds's order are the whole split: resume and a sweep's twin check take them as none."""
    whole = C.Config(train_size=60_000)
    assert C.result_fields(whole) == C.result_fields(C.Config())
    assert C.what_trains(whole) == (C.result_fields(C.Config()), ["a train_size of the whole training split is none"])
    assert C.result_fields(C.Config(train_size=50_000, validation=True))["train_size"] is None
    assert C.result_fields(C.Config(train_size=50_000))["train_size"] == 50_000
    assert "train_size" not in C.recipe_text(whole) and " train_size=1000 " in C.recipe_text(C.Config(train_size=1000))


def test_a_saved_config_with_an_ignored_warmup_still_loads():
    cfg = C.Config(schedule="cosine", warmup_epochs=2)  # older nnjax trained it (warm-up ignored)
    with pytest.raises(ConfigError, match="warmup_epochs"):
        C.validate(cfg)  # a new run: refused
    assert C.validate(cfg, new=False) is cfg  # a saved one: read as it trained


def test_the_smallest_float32_lr_is_accepted_and_a_saved_zero_one_still_loads():
    assert C.validate(C.Config(lr=C.FLOAT32_TINY)).lr == C.FLOAT32_TINY
    cfg = C.Config(lr=1e-320)
    assert C.validate(cfg, new=False) is cfg  # as it trained, before nnjax refused it


def test_the_most_optimiser_steps_are_accepted():
    for changes in ({"batch_size": 1, "epochs": 35_791}, {"batch_size": 1, "epochs": 42_949, "validation": True}):
        cfg = C.Config(**changes)
        assert C.validate(cfg) is cfg


def test_a_full_batch_and_the_last_step_the_optimiser_counts_are_accepted():
    """batch_size may be every training image (one step an epoch), and Optax's int32 step count holds 2**31 − 1
    steps: that many epochs of one full batch are accepted; one image or one epoch more is not."""
    for cfg in (
        C.Config(batch_size=60_000),
        C.Config(batch_size=50_000, validation=True),
        C.Config(batch_size=60_000, epochs=C.INT32_MAX),
    ):
        assert C.validate(cfg) is cfg
    for changes, field in (
        ({"batch_size": 60_001}, "batch_size"),
        ({"batch_size": 50_001, "validation": True}, "batch_size"),
        ({"batch_size": 60_000, "epochs": C.INT32_MAX + 1}, "epochs"),
    ):
        with pytest.raises(ConfigError, match=f"^config field {field!r}"):
            C.validate(C.Config(**changes))


def test_the_step_limit_counts_the_full_mini_batches_an_epoch_trains():
    """An epoch trains only full mini-batches (``train.steps_per_epoch``): 60,000 images in batches of 7 are
    8,571 steps, not 8,571.4, and the most epochs the step count holds is counted in those."""
    from nnjax.train import steps_per_epoch

    cfg = C.Config(batch_size=7)
    most = C.INT32_MAX // steps_per_epoch(cfg, 60_000)
    assert C.validate(cfg.replace(epochs=most)).epochs == most
    with pytest.raises(ConfigError, match="^config field 'epochs'"):
        C.validate(cfg.replace(epochs=most + 1))


def test_seeds_up_to_2_pow_32_minus_1_are_accepted():
    cfg = C.Config(seed=2**32 - 1, data_seed=2**32 - 1)
    assert C.validate(cfg) is cfg


def test_the_largest_accepted_values():
    steps = 60_000 // 32  # of MNIST at the default batch size
    cfg = C.Config(epochs=C.INT32_MAX // steps, lr=C.FLOAT32_MAX, weight_decay=C.FLOAT32_MAX, scan_unroll=C.MAX_UNROLL)
    assert C.validate(cfg) is cfg
    assert C.FLOAT32_MAX == float(np.finfo(np.float32).max)


def test_a_saved_config_beyond_the_new_limits_still_loads():
    """An older nnjax trained with them: eval, predict, viz and export still read such a run."""
    cfg = C.Config(scan_unroll=100, keep_checkpoints=10**12, epochs=2**31)
    with pytest.raises(ConfigError, match="epochs"):
        C.validate(cfg)  # a new run: refused
    assert C.validate(cfg, new=False) is cfg


def test_a_bad_field_names_the_file_it_came_from():
    with pytest.raises(ConfigError, match=r"^run/config.json: config field 'lr' = -1.0: "):
        C.validate(C.Config(lr=-1.0), source="run/config.json")


def test_unknown_activation_error_lists_the_registry():
    with pytest.raises(ConfigError) as e:
        C.validate(C.Config(activation="sigmod"))
    assert all(name in str(e.value) for name in ACTIVATIONS)


def test_an_activation_registered_in_part_is_refused_naming_what_it_lacks(monkeypatch):
    """An activation added to ACTIVATIONS alone would train with an init nobody chose and fail to export."""
    monkeypatch.setitem(ACTIVATIONS, "mish", lambda z: z * np.tanh(np.logaddexp(z, 0)))
    cfg = C.Config(activation="mish")
    lacks_both = r"'mish': in nnjax.activations.ACTIVATIONS but not in FORMULAS or DEFAULT_INIT \("
    with pytest.raises(ConfigError, match=lacks_both):
        C.validate(cfg)
    monkeypatch.setitem(FORMULAS, "mish", "z * np.tanh(np.logaddexp(z, 0))")
    with pytest.raises(ConfigError, match=r"but not in DEFAULT_INIT \("):
        C.validate(cfg)
    monkeypatch.setitem(DEFAULT_INIT, "mish", "he")
    assert C.validate(cfg) is cfg
    assert cfg.resolved_init() == "he"


def test_a_config_built_in_python_is_typed_as_a_config_file_is(tmp_path, monkeypatch):
    """NumPy and JAX numbers (a loop over np.arange, a float32 learning rate) become the Python values a
    config.json holds; a value of the wrong type is one ConfigError naming the field, where it used to
    train (standardize=1: a run no command could load again) or fail deep inside with a TypeError."""
    import jax.numpy as jnp

    monkeypatch.chdir(tmp_path)
    cfg = C.typed(
        C.Config().replace(lr=np.float32(0.01), weight_decay=jnp.float32(1e-4), seed=np.int64(3), data_dir="raw")
    )
    assert (cfg.lr, cfg.weight_decay, cfg.seed) == (0.01, 1e-4, 3)
    assert type(cfg.seed) is int and type(cfg.lr) is float
    assert C.typed(C.Config(hidden=[np.int64(8), 4])).hidden == (8, 4)
    assert C.typed(C.Config(hidden=np.array([8, 4]))).hidden == (8, 4)
    assert C.typed(C.Config(hidden=range(16, 18))).hidden == (16, 17)
    assert C.typed(C.Config(tfds_dir=tmp_path / "tfds")).tfds_dir == str(tmp_path / "tfds")  # a Path is text
    assert cfg.data_dir == str(tmp_path / "raw")  # as a flag's: valid from any folder
    json.dumps(cfg.to_dict())  # what config.json will hold
    for change, said in (
        ({"standardize": 1}, "field 'standardize' has the wrong type: 1 (expected True or False)"),
        (
            {"hidden": 32},
            "field 'hidden' has the wrong type: 32 (expected layer sizes, a tuple of integers such as (16, 16))",
        ),
        ({"seed": 1.0}, "field 'seed' has the wrong type: 1.0 (expected an integer)"),
        ({"batch_size": 64.0}, "field 'batch_size' has the wrong type: 64.0 (expected an integer)"),
    ):
        with pytest.raises(ConfigError) as e:
            C.typed(C.Config().replace(**change))
        assert str(e.value) == f"config: {said}"
    with pytest.raises(ConfigError, match=r"^config: expected a Config"):
        C.typed({"lr": 0.1})


@pytest.mark.parametrize(
    "change, python, json_file",
    [
        ({"standardize": 1}, "1 (expected True or False)", "1 (expected true or false)"),
        ({"epochs": True}, "True (expected an integer)", "true (expected an integer)"),
        ({"data_dir": 5}, "5 (expected text or None)", "5 (expected text or null)"),
        ({"train_size": 1000.0}, "1000.0 (expected an integer or None)", "1000.0 (expected an integer or null)"),
        ({"hidden": (16.0, 16)}, "(16.0, 16) (expected layer sizes, a tuple of integers such as (16, 16))",
         "[16.0, 16] (expected layer sizes, a list of integers such as [16, 16])"),
        ({"hidden": [16, True]}, "[16, True] (expected layer sizes, a tuple of integers such as (16, 16))",
         "[16, true] (expected layer sizes, a list of integers such as [16, 16])"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_named_in_its_readers_words(tmp_path, change, python, json_file):
    """A Config built in Python is told None, True and a tuple (as validate tells it); a config file null, true and
    a list: typed() said "null" to a Python caller, and a file's bad layer sizes were shown in Python's spelling."""
    field = next(iter(change))
    with pytest.raises(ConfigError) as e:
        C.typed(C.Config().replace(**change))
    assert str(e.value) == f"config: field {field!r} has the wrong type: {python}"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(change))
    with pytest.raises(ConfigError) as e:
        C.load_json(path)
    assert str(e.value) == f"{path}: field {field!r} has the wrong type: {json_file}"
    with pytest.raises(ConfigError) as e:  # validate, of the same Config built in Python: Python's words too
        C.validate(C.Config().replace(**change))
    assert python.split(" (expected ")[1].rstrip(")") in str(e.value)


def test_json_type_tests_refuse_bools_and_fractions():
    """JSON true is 1 to Python and 1.0 equals 1: neither is a count, nor true a number."""
    assert C.is_integer_list([0, 1, 2]) and C.is_integer_list([])
    for bad in ([0, 1.0], [0, True], [0, "1"], (0, 1), None):
        assert not C.is_integer_list(bad), bad
    assert C.is_number(1) and C.is_number(0.5) and not C.is_number(True) and not C.is_number("1")
    assert C.is_integer(3) and not C.is_integer(3.0) and not C.is_integer(False)


def test_a_url_for_a_folder_field_is_refused(tmp_path):
    """--tfds-dir gs://bucket/tfds was saved as the local folder /…/gs:/bucket/tfds."""
    said = "config field 'tfds_dir' = 'gs://bucket/tfds': a URL; nnjax reads and writes local folders only"
    with pytest.raises(ConfigError, match=f"^{re.escape(said)}"):
        C.apply_overrides(C.Config(), {"tfds_dir": "gs://bucket/tfds"})
    for url in ("s3://bucket/mnist", "https://example.com/mnist"):  # any scheme, not only Google's
        with pytest.raises(ConfigError, match="a URL; nnjax reads and writes local folders only"):
            C.parse_value("data_dir", url)
    (tmp_path / "c.json").write_text(json.dumps({"data_dir": "gs://bucket/mnist"}))
    with pytest.raises(ConfigError, match=rf"^{tmp_path / 'c.json'}: config field 'data_dir' = 'gs://bucket/mnist'"):
        C.load_json(tmp_path / "c.json")


def test_help_of_config_lists_every_field_with_its_default_and_meaning():
    """help(Config) said only 'A training run'; a Python user had to read the source for what lr or data_seed is."""
    doc = C.Config.__doc__
    assert doc.startswith("A training run.")
    listed = [line.split(" = ")[0].strip() for line in doc.split("Fields (default: meaning):\n")[1].splitlines()]
    assert tuple(listed) == C.FIELD_NAMES
    assert "    lr = 0.01: peak learning rate" in doc.splitlines()
    assert "    hidden = (16, 16): hidden layer sizes, e.g. 16,16 (the video) or 1024,1024" in doc.splitlines()


def test_validating_many_configs_reads_the_field_types_once(monkeypatch):
    """validate reads each field's type for every config: evaluated per call, a 1,000-member sweep grid spent
    10-25 s in typing.get_type_hints before its memory check could refuse it."""
    C.validate(C.Config())  # the first call may evaluate them
    calls = []
    real = C.typing.get_type_hints
    monkeypatch.setattr(C.typing, "get_type_hints", lambda *a, **k: calls.append(a) or real(*a, **k))
    for seed in range(20):
        C.validate(C.Config(seed=seed))
    assert calls == []
