"""Train the video's network with ReLU (named config ``video_relu``).

    python experiments/train_video_relu.py [--field value ...] [--out RUN_DIR]

The result it reaches is in the README's "Results".
"""

import sys

from nnjax.cli import train_named

CONFIG = "video_relu"  # the named config it trains

if __name__ == "__main__":
    sys.exit(train_named(CONFIG, sys.argv[1:], process=True))
