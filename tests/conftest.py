"""Shared pytest configuration: Hypothesis profiles.  (The oracle's ``--impl`` plugin is loaded
through its ``pytest11`` entry point, as in any environment where sparsity-oracle is installed.)

* ``ci``       built into Hypothesis; loaded automatically when the ``CI`` variable is set
               (derandomized, no database).
* ``dev``      the local default.
* ``thorough`` long local or GPU runs: ``HYPOTHESIS_PROFILE=thorough pytest``.
All profiles use ``deadline=None``: numeric work at high precision has no fair deadline.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)
