"""Shared pytest configuration: Hypothesis profiles.

* ``ci``       built into Hypothesis; loaded automatically when the ``CI`` variable is set
               (derandomized, no database).
* ``dev``      the local default.
* ``thorough`` long local or GPU runs: ``HYPOTHESIS_PROFILE=thorough pytest``.
All profiles use ``deadline=None``: numeric work at high precision has no fair deadline.
"""

import os

from hypothesis import HealthCheck, settings

pytest_plugins = ["reference.oracle.pytest_plugin"]

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
