"""Named configs: the starting points of experiments. Each docstring states the result it reaches.

Results are on the official 10,000-image MNIST test set, mean over seeds 0, 1, 2, on the 2-core CPU
of the development machine; the README lists the commands that produced them.
"""

from nnjax.config import Config
from nnjax.errors import ConfigError


def video() -> Config:
    """The video's network: 784-16-16-10, sigmoid, cross-entropy (the default config).

    Result: see README "Results" (recipe chosen on the validation split).
    """
    return Config()


def video_relu() -> Config:
    """The video's network with ReLU instead of sigmoid.

    Result: see README "Results".
    """
    return Config(name="video_relu", activation="relu")


def wide() -> Config:
    """A wide MLP, 784-1024-1024-10 with ReLU.

    Result: see README "Results".
    """
    return Config(name="wide", hidden=(1024, 1024), activation="relu", batch_size=128, epochs=10)


CONFIGS = {"video": video, "video_relu": video_relu, "wide": wide}


def get_config(name: str) -> Config:
    """The named config ``name``; unknown names list the valid ones."""
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"unknown config {name!r}; valid: {', '.join(CONFIGS)}") from None
