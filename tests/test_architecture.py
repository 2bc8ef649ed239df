"""The folder tree is the architecture: dependencies point down only, imports stay light."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import customer_kanban

SRC = Path(customer_kanban.__file__).parent

# What each layer may import from the package (besides its own subpackage). `_core` holds
# the shared internals (array types, validation, grouping, instants, JSON, the result base).
BASE = {"errors", "_core"}
ALLOWED = {
    "_core": {"errors"},
    "model": BASE,
    "table": BASE | {"model"},
    "metrics": BASE,
    "customers": BASE | {"metrics"},
    "plot": BASE | {"model", "table", "metrics", "customers", "policy"},
    "reviews": BASE | {"model", "table", "metrics", "customers", "plot", "summaries"},
    "policy": BASE | {"model", "table", "metrics"},
    "assess": BASE | {"model", "table", "metrics", "customers", "reviews", "summaries"},
    "io": BASE | {"model", "table"},
    "datasets": BASE | {"model", "table", "io"},
    "testing": BASE | {"model", "table"},
    "summaries": BASE | {"model", "table", "metrics"},
    # the `dask` extra: imported only by `import customer_kanban.dask` (never by the package)
    "dask": BASE | {"model", "table", "io", "summaries"},
    "cli": BASE
    | {
        "model",
        "table",
        "metrics",
        "customers",
        "io",
        "reviews",
        "policy",
        "assess",
        "datasets",
        "plot",
        "summaries",
    },
}
# The metrics sub-packages by concern, and which others each builds on (module-level
# imports; `service` reaches `survival` lazily for its censoring-aware option).
METRICS = {
    "flow": set(),
    "service": set(),
    "delay": set(),
    "survival": {"service"},
    "forecast": {"survival", "service"},
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
    assert _package_imports(SRC / "errors.py") == set()


def _imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Dotted names of the customer_kanban modules `path` imports (absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {name for name in found if name.startswith("customer_kanban.")}


def test_no_module_imports_a_private_module_of_another_package():
    for path in SRC.rglob("*.py"):
        here = ".".join(("customer_kanban", *path.relative_to(SRC).parent.parts))
        for name in _imported_modules(path):
            parts = name.split(".")
            private = [k for k, part in enumerate(parts) if part.startswith("_") and k > 0]
            if not private or parts[private[0]] == "_core":
                continue
            owner = ".".join(parts[: private[0]])
            assert here == owner or here.startswith(owner + "."), (
                f"{path.relative_to(SRC)} imports {name}, private to {owner}"
            )


@pytest.mark.parametrize("concern", sorted(METRICS))
def test_metrics_sub_packages_build_only_on_the_declared_ones(concern):
    for path in (SRC / "metrics" / concern).rglob("*.py"):
        used = {
            name.split(".")[2]
            for name in _imported_modules(path, top_level_only=True)
            if name.startswith("customer_kanban.metrics.") and len(name.split(".")) > 2
        }
        bad = used - METRICS[concern] - {concern}
        assert not bad, f"{path.relative_to(SRC)} imports metrics.{sorted(bad)}"


def test_every_metrics_sub_package_is_declared():
    found = {p.name for p in (SRC / "metrics").iterdir() if (p / "__init__.py").exists()}
    assert found == set(METRICS)


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
    import customer_kanban.summaries
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
        customer_kanban.summaries,
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


# Functions are small: at most this cyclomatic complexity (radon's count, which adds boolean
# operators and comprehensions to ruff's) and this many lines of body (docstring excluded).
MAX_COMPLEXITY = 15
MAX_BODY_LINES = 80


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    docstring = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    first = body[1] if docstring and len(body) > 1 else body[0]
    assert node.end_lineno is not None
    return node.end_lineno - first.lineno + 1


def test_no_function_is_long_or_complex():
    from radon.complexity import cc_visit

    too_complex: list[str] = []
    too_long: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        code = path.read_text(encoding="utf-8")
        where = path.relative_to(SRC)
        too_complex += [
            f"{where}:{b.name} {b.complexity}"
            for b in cc_visit(code)
            if b.complexity > MAX_COMPLEXITY
        ]
        too_long += [
            f"{where}:{node.name} {_body_lines(node)}"
            for node in ast.walk(ast.parse(code))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _body_lines(node) > MAX_BODY_LINES
        ]
    assert not too_complex, too_complex
    assert not too_long, too_long
