"""Shared test configuration: hypothesis profiles, charts drawn off screen and closed.

``dev`` (default) is quick; ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by .ci/run) runs
more examples with no deadline and prints reproduction blobs.
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")  # charts are drawn off screen

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,  # CI is reproducible; the dev profile keeps drawing new examples
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        help="draw many more values in the fuzz suite (tests/test_fuzz_api.py)",
    )


def pytest_configure(config):
    if config.getoption("--fuzz-long", default=False):
        os.environ["FUZZ_LONG"] = "1"


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test's charts opened (the examples of `plot` draw on new ones)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
