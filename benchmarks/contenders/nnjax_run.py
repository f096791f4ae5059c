"""nnjax through its real entry point, ``nnjax.run.train_and_evaluate`` (a benchmark contender).

The job's arrays are passed as ``splits=``; the config sets the job's network / optimiser / batch
size / epochs, a constant schedule, no weight decay, raw [0, 1] pixels and only the final checkpoint. The
epoch times are the ``epoch_s`` that run.py writes to metrics.jsonl (one compiled epoch call plus
fetching its metrics), and the compile time is run.py's ``compile_s`` from result.json.
nnjax draws its own initial weights and batch order — the same ones compare.py exported for the
other contenders (``init_params(key(seed))`` and ``epoch_key(data_seed, epoch)``).
"""

from __future__ import annotations

import json
from pathlib import Path

from common import load_data, read_job, startup_s, write_result

from nnjax.config import Config
from nnjax.data import Splits
from nnjax.run import read_metrics, train_and_evaluate


def main() -> None:
    job, out = read_job()
    data = load_data(job)
    # Every field that changes the numbers is set here (not inherited from a named config, whose
    # recipe may carry weight decay, standardisation or a schedule the other contenders do not have).
    cfg = Config(
        name=job["nnjax_config"],
        dataset="mnist",
        validation=False,
        standardize=False,
        hidden=tuple(job["hidden"]),
        activation=job["activation"],
        init=job["init"],
        cost="cross_entropy",
        optimizer=job["optimizer"],
        lr=job["lr"],
        momentum=job["momentum"],
        weight_decay=0.0,
        schedule="constant",
        warmup_epochs=0,
        batch_size=job["batch_size"],
        epochs=job["epochs"],
        seed=job["seed"],
        data_seed=job["data_seed"],
        checkpoint_every=0,
        keep_checkpoints=1,
    )
    x_test, y_test = data["x_test"], data["y_test"]
    splits = Splits(data["x_train"], data["y_train"], x_test, y_test, x_test, y_test, eval_split="test")
    run_dir = Path(job["run_dir"])
    t_ready = startup_s(job)
    result = train_and_evaluate(cfg, run_dir, progress=False, splits=splits)
    metrics = read_metrics(run_dir / "metrics.jsonl")
    saved = json.loads((run_dir / "result.json").read_text())
    write_result(
        out,
        job,
        [m["epoch_s"] for m in metrics],
        saved["test_accuracy"],
        startup_s=t_ready,
        compile_s=saved["compile_s"],
        train_loss=[m["train_loss"] for m in metrics],
        test_accuracy_per_epoch=[m["test_accuracy"] for m in metrics],
        device=result["device"],
    )


if __name__ == "__main__":
    main()
