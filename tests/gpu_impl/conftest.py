"""Fixtures shared by the gpu_impl tests."""

import pytest


@pytest.fixture(scope="module")
def one_thread():
    """Tiny problems: one CPU thread is faster than several (and robust to a loaded machine).
    A module opts in with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
