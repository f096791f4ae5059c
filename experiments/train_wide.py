"""Train the wide MLP (named config ``wide``), the one that passes 98 % on MNIST.

    python experiments/train_wide.py [--field value ...] [--out RUN_DIR]

The result it reaches is in the README's "Results".
"""

import sys

from nnjax.cli import train_named

CONFIG = "wide"  # the named config it trains

if __name__ == "__main__":
    sys.exit(train_named(CONFIG, sys.argv[1:], process=True))
