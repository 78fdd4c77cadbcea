"""Unit tests draw figures without a display."""

import matplotlib

matplotlib.use("Agg")
