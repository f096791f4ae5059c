"""PyTorch eager in its fastest plain form, on the CPU or a CUDA GPU (a benchmark contender; see common.py).

- ``torch.set_num_threads`` = the job's thread count (all cores), no autograd outside training;
- the whole data set pre-loaded as one float32 tensor (pixels / 255, as nnjax's prepare_images), no
  DataLoader: each epoch indexes it once with that epoch's permutation, mini-batches are slices (views);
- the model is ``nn.Sequential`` of ``nn.Linear`` + activation, started from nnjax's initial weights;
- ``torch.optim.SGD`` / ``torch.optim.Adam`` (betas (momentum, 0.999), eps 1e-8: optax's defaults),
  ``F.cross_entropy`` (mean over the mini-batch), constant learning rate;
- the epoch time includes the shuffle and the test-set evaluation, as nnjax's epoch does;
- job "device" "cuda": model, data and batch order live on the GPU; the test accuracy's ``.item()``
  waits for the GPU, so every epoch time covers its work. TF32 stays off (PyTorch's default).
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from common import load_data, load_start, read_job, startup_s, write_result
from torch import nn


def build_model(layers, activation: str) -> nn.Sequential:
    """784-hidden-10 with the given (W, b) per layer; σ after every layer but the last."""
    act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    modules: list[nn.Module] = []
    for i, (W, b) in enumerate(layers):
        lin = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        modules.append(lin)
        if i < len(layers) - 1:
            modules.append(act())
    return nn.Sequential(*modules)


def main() -> None:
    job, out = read_job()
    torch.set_num_threads(job["threads"])
    device = torch.device(job.get("device", "cpu"))
    data = load_data(job)
    layers, perm_ExN = load_start(job)
    x_train = torch.from_numpy(data["x_train"]).to(device).float().div_(255.0)
    y_train = torch.from_numpy(data["y_train"]).to(device).long()
    x_test = torch.from_numpy(data["x_test"]).to(device).float().div_(255.0)
    y_test = torch.from_numpy(data["y_test"]).to(device).long()

    model = build_model(layers, job["activation"]).to(device)
    if job["optimizer"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=job["lr"])
    elif job["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=job["lr"], betas=(job["momentum"], 0.999), eps=1e-8)
    else:
        raise SystemExit(f"torch contender: optimizer {job['optimizer']!r} not implemented")

    B = job["batch_size"]
    spe = len(x_train) // B
    t_ready = startup_s(job)
    epoch_s, accs, losses = [], [], []
    for e in range(job["epochs"]):
        t0 = time.perf_counter()
        idx = torch.from_numpy(perm_ExN[e, : spe * B]).to(device)
        xs, ys = x_train[idx], y_train[idx]
        loss_sum = torch.zeros((), device=device)
        for s in range(spe):
            xb, yb = xs[s * B : (s + 1) * B], ys[s * B : (s + 1) * B]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        losses.append(loss_sum.item() / spe)
        epoch_s.append(time.perf_counter() - t0)
        accs.append(acc)
    write_result(
        out,
        job,
        epoch_s,
        accs[-1],
        startup_s=t_ready,
        train_loss=losses,
        test_accuracy_per_epoch=accs,
        torch_threads=torch.get_num_threads(),
        device=str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
    )


if __name__ == "__main__":
    main()
