"""The network trained the way Nielsen's network.py does it, in NumPy (a benchmark contender).

Nielsen's ``SGD`` / ``update_mini_batch`` / ``backprop``: shuffle, cut into mini-batches, backprop by
hand, step each W and b. Two modes (the job's ``numpy_mode``):

- ``matrix`` (contender "numpy"): backprop vectorised over the mini-batch, one matrix product per layer
  for all B images — the same arithmetic as network.py, without its Python loop over the images;
- ``per_example`` (contender "nielsen"): network.py's own loop — ``backprop`` of one image at a time
  (column vectors, ``np.outer`` for dW), the gradients summed over the mini-batch, then one step.

Both use float32 instead of network.py's float64, to match nnjax and PyTorch.

The cost is cross-entropy on softmax outputs (mean over the mini-batch), as in the other contenders
(network.py uses the quadratic cost; network2.py the cross-entropy). SGD is ``W -= lr * dW``; Adam is
implemented here with optax's / PyTorch's update (b2 0.999, eps 1e-8, bias-corrected).
"""

from __future__ import annotations

import time

import numpy as np
from common import load_data, load_start, read_job, startup_s, write_result


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network:
    """784-hidden-10 with weights W_outxin and biases b_out per layer (Nielsen's layout)."""

    def __init__(self, layers, activation: str):
        self.W = [W.astype(np.float32).copy() for W, _ in layers]
        self.b = [b.astype(np.float32).copy() for _, b in layers]
        self.activation = activation

    def sigma(self, z):
        return sigmoid(z) if self.activation == "sigmoid" else np.maximum(z, 0.0)

    def sigma_prime_from(self, a):
        """σ'(z) from a = σ(z): a (1 − a) for the sigmoid, [a > 0] for ReLU."""
        return a * (1.0 - a) if self.activation == "sigmoid" else (a > 0).astype(np.float32)

    def feedforward(self, x_Bx784):
        """Logits z_Bx10."""
        a = x_Bx784
        for W, b in zip(self.W[:-1], self.b[:-1]):
            a = self.sigma(a @ W.T + b)
        return a @ self.W[-1].T + self.b[-1]

    def backprop(self, x_Bx784, y_B):
        """(mean cross-entropy, dW per layer, db per layer) for one mini-batch."""
        acts = [x_Bx784]
        for W, b in zip(self.W[:-1], self.b[:-1]):
            acts.append(self.sigma(acts[-1] @ W.T + b))
        z = acts[-1] @ self.W[-1].T + self.b[-1]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        B = len(y_B)
        rows = np.arange(B)
        loss = -np.log(p[rows, y_B] + 1e-30).mean()
        delta = p
        delta[rows, y_B] -= 1.0
        delta /= B  # mean over the mini-batch
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for layer in range(len(self.W) - 1, -1, -1):
            dW[layer] = delta.T @ acts[layer]
            db[layer] = delta.sum(axis=0)
            if layer > 0:
                delta = (delta @ self.W[layer]) * self.sigma_prime_from(acts[layer])
        return loss, dW, db

    def backprop_one(self, x_784, y):
        """network.py's ``backprop`` for one image: (cost, dW per layer, db per layer)."""
        acts = [x_784]
        for W, b in zip(self.W[:-1], self.b[:-1]):
            acts.append(self.sigma(W @ acts[-1] + b))
        z = self.W[-1] @ acts[-1] + self.b[-1]
        p = np.exp(z - z.max())
        p /= p.sum()
        loss = -np.log(p[y] + 1e-30)
        delta = p
        delta[y] -= 1.0
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for layer in range(len(self.W) - 1, -1, -1):
            dW[layer] = np.outer(delta, acts[layer])
            db[layer] = delta
            if layer > 0:
                delta = (self.W[layer].T @ delta) * self.sigma_prime_from(acts[layer])
        return loss, dW, db

    def backprop_loop(self, x_Bx784, y_B):
        """network.py's ``update_mini_batch``: sum ``backprop_one`` over the images, then the mean."""
        nabla_W = [np.zeros_like(W) for W in self.W]
        nabla_b = [np.zeros_like(b) for b in self.b]
        loss = 0.0
        for x_784, y in zip(x_Bx784, y_B):
            l, dW, db = self.backprop_one(x_784, y)
            loss += l
            for nw, nb, gw, gb in zip(nabla_W, nabla_b, dW, db):
                nw += gw
                nb += gb
        B = np.float32(len(y_B))
        return loss / len(y_B), [nw / B for nw in nabla_W], [nb / B for nb in nabla_b]

    def evaluate(self, x_Nx784, y_N) -> float:
        return float(np.mean(np.argmax(self.feedforward(x_Nx784), axis=1) == y_N))


class SGD:
    def __init__(self, params, lr: float):
        self.lr = np.float32(lr)

    def step(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.lr * g


class Adam:
    def __init__(self, params, lr: float, b1: float, b2: float = 0.999, eps: float = 1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        c1, c2 = 1.0 - self.b1**self.t, 1.0 - self.b2**self.t
        b1, b2 = np.float32(self.b1), np.float32(self.b2)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            # p -= lr * m̂ / (sqrt(v̂) + eps) with m̂ = m / c1, v̂ = v / c2
            p -= np.float32(self.lr / c1) * m / (np.sqrt(v / np.float32(c2)) + np.float32(self.eps))


def main() -> None:
    job, out = read_job()
    data = load_data(job)
    layers, perm_ExN = load_start(job)
    x_train = data["x_train"].astype(np.float32) / np.float32(255.0)
    y_train = data["y_train"].astype(np.int64)
    x_test = data["x_test"].astype(np.float32) / np.float32(255.0)
    y_test = data["y_test"].astype(np.int64)

    net = Network(layers, job["activation"])
    params = net.W + net.b
    if job["optimizer"] == "sgd":
        opt = SGD(params, job["lr"])
    elif job["optimizer"] == "adam":
        opt = Adam(params, job["lr"], job["momentum"])
    else:
        raise SystemExit(f"numpy contender: optimizer {job['optimizer']!r} not implemented")

    backprop = net.backprop_loop if job.get("numpy_mode") == "per_example" else net.backprop
    B = job["batch_size"]
    spe = len(x_train) // B
    t_ready = startup_s(job)
    epoch_s, accs, losses = [], [], []
    for e in range(job["epochs"]):
        t0 = time.perf_counter()
        idx = perm_ExN[e, : spe * B]
        xs, ys = x_train[idx], y_train[idx]  # network.py: random.shuffle(training_data), then slices
        loss_sum = 0.0
        for s in range(spe):
            loss, dW, db = backprop(xs[s * B : (s + 1) * B], ys[s * B : (s + 1) * B])
            opt.step(params, dW + db)
            loss_sum += float(loss)
        accs.append(net.evaluate(x_test, y_test))
        losses.append(float(loss_sum) / spe)
        epoch_s.append(time.perf_counter() - t0)
    write_result(
        out,
        job,
        epoch_s,
        accs[-1],
        startup_s=t_ready,
        train_loss=losses,
        test_accuracy_per_epoch=accs,
        numpy_mode=job.get("numpy_mode", "matrix"),
    )


if __name__ == "__main__":
    main()
