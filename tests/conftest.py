"""Shared test configuration: hypothesis profiles.

``dev`` (default) is quick; ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by .ci/run) runs
more examples with no deadline and prints reproduction blobs.
"""

import os

from hypothesis import HealthCheck, settings

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
