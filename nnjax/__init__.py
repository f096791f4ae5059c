"""nnjax: the 3Blue1Brown handwritten-digit network in JAX.

784 pixels in, hidden layers (16 and 16 by default), 10 digits out; every layer is
``a' = σ(W a + b)`` (see ``nnjax/model.py``). The package is flat: one module per concern.

Submodules are imported on use so that ``nnjax --help`` starts without loading JAX.
"""

__version__ = "0.1.0"
