"""inloop: the code behind the book *Models in the Loop*.

One subpackage backs each part of the book; imports point one way (see CONTRIBUTING.md):

- :mod:`inloop.data`: every data file the book reads, located in its wheel and checksummed.
- :mod:`inloop.performative`: the problem protocol, the one loop behind RRM, ARM and RGD, closed-form
  problems, strategic classification, lower-bound instances, bounds (Chapters 1 and 3).
- :mod:`inloop.neural`: the resample-if-rejected shift and neural networks (Chapter 2).
- :mod:`inloop.games`: forecasts that steer agents in a collective risk dilemma (Chapter 4).
- :mod:`inloop.redflag`: red flag tokens on a toy world and a real language model (Chapter 5).
- :mod:`inloop.earlyexit`: early exiting with performance control (Chapter 6).

Shared pieces: :mod:`inloop.settings` (each chapter's validated settings, book and paper presets),
:mod:`inloop.scale`, :mod:`inloop.plotting` (one figure style), and the private helpers for input
checks, randomness (:mod:`inloop._random`) and exercise checkers (:mod:`inloop._exercise`).
"""

__version__ = "0.1.0"
