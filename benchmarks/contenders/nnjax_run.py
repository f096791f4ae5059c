"""nnjax through its real entry point, ``nnjax.run.train_and_evaluate`` (a benchmark contender).

The job's arrays are passed as ``splits=``; the config is the named nnjax config with the job's
network / optimiser / batch size / epochs, a constant schedule and only the final checkpoint. The
epoch times are the ``epoch_s`` that run.py writes to metrics.jsonl (one compiled epoch call plus
fetching its metrics), and the compile time is run.py's ``compile_s`` from result.json.
nnjax draws its own initial weights and batch order — the same ones compare.py exported for the
other contenders (``init_params(key(seed))`` and ``epoch_key(data_seed, epoch)``).
"""

from __future__ import annotations

import json
from pathlib import Path

from common import load_data, read_job, startup_s, write_result

from nnjax.configs import get_config
from nnjax.data import Splits
from nnjax.run import read_metrics, train_and_evaluate


def main() -> None:
    job, out = read_job()
    data = load_data(job)
    cfg = get_config(job["nnjax_config"]).replace(
        hidden=tuple(job["hidden"]),
        activation=job["activation"],
        init=job["init"],
        cost="cross_entropy",
        optimizer=job["optimizer"],
        lr=job["lr"],
        momentum=job["momentum"],
        schedule="constant",
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
