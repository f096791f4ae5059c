"""Named configs: the starting points of experiments. Each docstring states the result it reaches.

Results are on the official 10,000-image MNIST test set, mean over seeds 0, 1, 2, on the 2-core CPU
of the development machine; the README lists the commands that produced them.
"""

from nnjax.config import Config
from nnjax.errors import ConfigError


def video() -> Config:
    """The video's network: 784-16-16-10, sigmoid, cross-entropy (the default config).

    Adam (lr 0.01, cosine decay to 0) with L2 weight decay 2e-4, batch 32, 100 epochs, Glorot init;
    chosen on the validation split (benchmarks/tuning/NOTES.md). Result: 96.34 % mean test accuracy
    over seeds 0-2 (README "Results": ``python experiments/seeds.py``, with its training times by machine).
    """
    return Config()


def video_relu() -> Config:
    """The video's network with ReLU: 784-16-16-10, He init, standardised pixels.

    Adam lr 0.003 with L2 weight decay 1e-3, 60 epochs. Result: 96.73 % mean test accuracy over
    seeds 0-2 (README "Results": ``python experiments/seeds.py``).
    """
    return Config(name="video_relu", activation="relu", standardize=True, lr=0.003, weight_decay=1e-3, epochs=60)


def wide() -> Config:
    """A wide MLP, 784-256-256-10 with ReLU: past 98 % in 10 epochs.

    Adam lr 0.003, no weight decay, batch 128. Result: 98.45 % mean test accuracy over seeds 0-2
    (README "Results": ``python experiments/seeds.py``, with its training times by machine).
    """
    return Config(
        name="wide", hidden=(256, 256), activation="relu", lr=0.003, weight_decay=0.0, batch_size=128, epochs=10
    )


def nielsen() -> Config:
    """Michael Nielsen's network.py (Neural Networks and Deep Learning, chapter 1): 784-30-10, sigmoid.

    The quadratic cost, weights and biases drawn from N(0, 1), plain SGD at a constant lr 3.0 (η; the cost is
    the mean over the mini-batch, network.py's η/m), no weight decay, batch 10, 30 epochs. The book's recipe,
    not tuned here. Result: 95.29 % mean test accuracy over seeds 0-2 (README "Results":
    ``python experiments/seeds.py``).
    """
    return Config(
        name="nielsen",
        hidden=(30,),
        init="standard_normal",
        cost="quadratic",
        optimizer="sgd",
        lr=3.0,
        momentum=0.0,
        weight_decay=0.0,
        schedule="constant",
        batch_size=10,
        epochs=30,
    )


CONFIGS = {"video": video, "video_relu": video_relu, "wide": wide, "nielsen": nielsen}


def get_config(name: str) -> Config:
    """The named config ``name``; unknown names list the valid ones."""
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"unknown config {name!r}; valid: {', '.join(CONFIGS)}") from None
