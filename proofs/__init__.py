"""sympy proof obligations for the PQI paper's theorems (contract §5).

``OBLIGATIONS`` lists every obligation (lemmas, Theorem 1 and its six properties, Theorem 2's
chain, the SAP count range, identities used elsewhere, Appendix B display by display as printed
(``appendix_b``), the remarks and statements about other measures (``remarks``), and the SpODE
slides' closed form of the direction F as printed and as meant (``spode``));
``exact`` holds the exact form of every reference measure.  ``check_all()`` checks each one with
sympy and returns its ``Result`` (``status`` is what sympy established now, ``expected`` what
the project records: a difference is a regression).  Importing this package does not import
sympy; checking does.
"""

from __future__ import annotations

from . import appendix_b, identities, lemmas, remarks, spode, theorem1, theorem2
from .core import OPEN, PROVED, REFUTED, STATUSES, Obligation, Result, Source
from .theorem1 import property_obligation

OBLIGATIONS: tuple[Obligation, ...] = (
    lemmas.LEMMAS + theorem1.OBLIGATIONS + theorem2.OBLIGATIONS + identities.OBLIGATIONS
    + appendix_b.OBLIGATIONS + remarks.OBLIGATIONS + spode.OBLIGATIONS
)


def check_all() -> list[Result]:
    """Check every obligation, in the order of ``OBLIGATIONS``."""
    return [obligation.check() for obligation in OBLIGATIONS]


__all__ = ["OBLIGATIONS", "OPEN", "PROVED", "REFUTED", "STATUSES", "Obligation", "Result", "Source", "check_all",
           "property_obligation"]
