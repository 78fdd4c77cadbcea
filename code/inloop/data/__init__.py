"""Data sets used in the book, loaded from files that installed packages ship (never downloaded)."""

from .credit import CREDIT_SHA256, CreditData, load_credit, locate_credit_archive

__all__ = ["CREDIT_SHA256", "CreditData", "load_credit", "locate_credit_archive"]
