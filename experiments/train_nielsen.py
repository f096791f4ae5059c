"""Train Michael Nielsen's network.py network, 784-30-10 (named config ``nielsen``).

    python experiments/train_nielsen.py [--field value ...] [--out RUN_DIR]

The result it reaches is in the README's "Results".
"""

import sys

from nnjax.cli import train_named

CONFIG = "nielsen"  # the named config it trains

if __name__ == "__main__":
    sys.exit(train_named(CONFIG, sys.argv[1:], process=True))
