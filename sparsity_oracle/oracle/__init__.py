"""The oracle: differential checking of any implementation against ``reference`` (SPEC §7).

* ``adapters``: selecting an implementation (``MODULE[:ATTR]``) and the gpu_impl adapter;
* ``tolerances``: every error budget, derived in its docstring;
* ``cases``: fixed hard cases and hypothesis strategies;
* ``checks``: ``check(impl, case) -> Failure | None``;
* ``runner``: ``run_checks`` over many cases; ``pytest_plugin``; ``cli`` (``sparsity-oracle verify``).

Importing the oracle imports neither torch nor hypothesis.
"""

from .adapters import DEFAULT_IMPL, FUNCTIONS, Implementation, TorchAdapter, as_implementation, load_implementation
from .cases import Case, hard_cases
from .checks import Failure, check

__all__ = [
    "DEFAULT_IMPL",
    "FUNCTIONS",
    "Case",
    "Failure",
    "Implementation",
    "TorchAdapter",
    "as_implementation",
    "check",
    "hard_cases",
    "load_implementation",
]
