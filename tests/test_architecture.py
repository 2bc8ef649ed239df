"""The folder tree is the architecture: dependencies point down only, imports stay light."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import customer_kanban

SRC = Path(customer_kanban.__file__).parent

# What each layer may import from the package (besides its own subpackage).
BASE = {"errors", "_time", "_serialize"}
ALLOWED = {
    "model": BASE,
    "table": BASE | {"model"},
    "metrics": BASE,
    "reviews": BASE | {"model", "table", "metrics"},
    "policy": BASE | {"model", "table", "metrics"},
    "assess": BASE | {"model", "table", "metrics", "reviews"},
    "io": BASE | {"model", "table", "metrics"},
    "datasets": BASE | {"model", "table", "io"},
    "testing": BASE | {"model", "table"},
    "cli": BASE | {"model", "table", "metrics", "io", "reviews", "policy", "assess", "datasets"},
}


def _package_imports(path: Path, package: list[str] | None = None) -> set[str]:
    """Top-level parts of customer_kanban that `path` imports (absolute or relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if package is None:
        package = ["customer_kanban", *path.relative_to(SRC).parent.parts]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # `from customer_kanban import table` imports the subpackage `table`.
            names = [f"{module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "customer_kanban" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_the_import_scanner_sees_every_form(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import customer_kanban.model\n"
        "from customer_kanban import table\n"
        "from ..reviews import x\n"
        "from . import _flow\n",
        encoding="utf-8",
    )
    found = _package_imports(probe, ["customer_kanban", "metrics"])
    assert found == {"model", "table", "reviews", "metrics"}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_upward_imports(layer):
    for path in (SRC / layer).rglob("*.py"):
        bad = _package_imports(path) - ALLOWED[layer] - {layer}
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_base_modules_import_no_layer():
    for name in BASE:
        assert _package_imports(SRC / f"{name}.py") <= BASE


def test_import_is_light():
    code = (
        "import sys, customer_kanban;"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'dask', 'polars', 'pyarrow')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_are_sorted_and_exist():
    import customer_kanban.assess
    import customer_kanban.io
    import customer_kanban.metrics
    import customer_kanban.model
    import customer_kanban.policy
    import customer_kanban.reviews
    import customer_kanban.table

    for module in (
        customer_kanban,
        customer_kanban.model,
        customer_kanban.table,
        customer_kanban.metrics,
        customer_kanban.io,
        customer_kanban.reviews,
        customer_kanban.policy,
        customer_kanban.assess,
    ):
        # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each sorted
        def kind(name: str) -> int:
            return 0 if name.isupper() else 1 if name[:1].isupper() else 2

        expected = sorted(module.__all__, key=lambda name: (kind(name), name))
        assert list(module.__all__) == expected, module.__name__
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_assessment_is_re_exported_lazily_at_the_top():
    import subprocess
    import sys

    code = (
        "import sys, customer_kanban as ck; "
        "assert 'customer_kanban.assess' not in sys.modules; "
        "import customer_kanban.assess as a; "
        "assert ck.assess_maturity is a.assess_maturity; "
        "assert ck.MaturityEvidence is a.MaturityEvidence"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
