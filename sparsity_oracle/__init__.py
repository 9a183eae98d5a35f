"""sparsity-oracle: a certified reference, proof obligations, property fuzzing and a differential
oracle for sparsity measures and neural-network pruning.

Subpackages, ground floor first (each uses only the public names of those before it):

* :mod:`sparsity_oracle.reference`  the specification as code (numpy + mpmath; no torch);
* :mod:`sparsity_oracle.proofs`     sympy proof obligations for the papers' displayed steps;
* :mod:`sparsity_oracle.properties` hypothesis fuzzing of the Hurley-Rickard properties;
* :mod:`sparsity_oracle.oracle`     differential checking of any implementation;
* :mod:`sparsity_oracle.cli`        the ``sparsity-oracle`` command line.

:mod:`sparsity_oracle.gpu_impl` (torch; the ``[torch]`` extra) imports no other part.
Importing this package imports nothing else.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sparsity-oracle")
except PackageNotFoundError:  # pragma: no cover - running from a tree that is not installed
    __version__ = "0+unknown"
