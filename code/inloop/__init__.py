"""inloop: the code behind the book *Models in the Loop*.

Each subpackage backs one part of the book:

- :mod:`inloop.data`: data loaders with checksums (credit data, ...).
- :mod:`inloop.performative`: distribution maps, losses, solvers, repeated risk minimization (RRM)
  and repeated gradient descent (RGD).

Shared pieces: :mod:`inloop.scale` (the "book" and "paper" presets) and :mod:`inloop.plotting`
(one figure style for the whole book).
"""

__version__ = "0.1.0"
