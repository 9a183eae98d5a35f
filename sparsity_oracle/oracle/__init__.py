"""The oracle: differential checking of any implementation against ``reference`` (contract §7).

* ``adapters``: selecting an implementation (``MODULE[:ATTR]``), its declared capabilities,
  and the gpu_impl adapter;
* ``tolerances``: every error budget, derived in its docstring;
* ``cases``: fixed hard cases and reproducibly generated ones (``find_case`` by id);
* ``causes``: the causes of a failure and the known conventions;
* ``checks``: ``check(impl, case) -> Failure | None``, each failure with its cause;
* ``runner``: ``run_checks`` over many cases; ``report``: grouped text and JSON;
  ``pytest_plugin``; ``cli`` (``sparsity-oracle verify``); ``audit`` (recorded pruning runs).

Importing the oracle imports neither torch nor hypothesis.
"""

from .adapters import DEFAULT_IMPL, FUNCTIONS, Capabilities, Implementation, TorchAdapter, as_implementation, load_implementation
from .cases import Case, find_case, generated_cases, hard_cases
from .causes import CAUSES, CONVENTIONS
from .checks import Failure, Unsupported, arguments, check
from .runner import run_checks

__all__ = [
    "CAUSES",
    "CONVENTIONS",
    "DEFAULT_IMPL",
    "FUNCTIONS",
    "Capabilities",
    "Case",
    "Failure",
    "Implementation",
    "TorchAdapter",
    "Unsupported",
    "arguments",
    "as_implementation",
    "check",
    "find_case",
    "generated_cases",
    "hard_cases",
    "load_implementation",
    "run_checks",
]
