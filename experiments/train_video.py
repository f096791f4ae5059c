"""Train the video's network: 784-16-16-10, sigmoid (named config ``video``).

    python experiments/train_video.py [--field value ...] [--out RUN_DIR]

Any config flag of ``nnjax train`` can follow. The result it reaches is in the README's "Results".
"""

import sys

from nnjax.cli import train_named

CONFIG = "video"  # the named config it trains

if __name__ == "__main__":
    sys.exit(train_named(CONFIG, sys.argv[1:], process=True))
