"""Write the API reference pages (``docs/api/``) from the packages' ``__all__``.

Every public name is documented once, in its home package: the most specific package
whose ``__all__`` lists it and whose name prefixes the module that defines it.  Every other
package that re-exports the name lists it with a link to that home.  The pages are written
when the build starts, so a name added to an ``__all__`` appears without editing the docs.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
from pathlib import Path
from typing import Any

ROOT = "customer_kanban"
#: Modules left out of the reference (the ``python -m customer_kanban.cli`` entry point).
SKIP = frozenset({"customer_kanban.cli.__main__"})
#: The order of the index: the layers bottom up, then the edges and helpers.
LAYERS = [
    f"{ROOT}.{n}"
    for n in (
        "model",
        "table",
        "metrics",
        "customers",
        "reviews",
        "summaries",
        "policy",
        "assess",
        "io",
        "datasets",
        "plot",
        "dask",
        "errors",
        "cli",
        "testing",
    )
]


def public_modules() -> list[types.ModuleType]:
    """The package and every public sub-package or module that has an ``__all__``."""
    root = importlib.import_module(ROOT)
    found = [root]
    for info in pkgutil.walk_packages(root.__path__, ROOT + "."):
        if info.name in SKIP or any(p.startswith("_") for p in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__") or info.ispkg:
            found.append(module)
    return sorted(found, key=lambda m: m.__name__)


def _exports(module: types.ModuleType) -> dict[str, Any]:
    names = [n for n in getattr(module, "__all__", ()) if not n.startswith("__")]
    return {n: getattr(module, n) for n in names}


def homes(modules: list[types.ModuleType]) -> dict[int, str]:
    """id(object) -> the module that documents it."""
    holders: dict[int, list[str]] = {}
    for module in modules:
        for obj in _exports(module).values():
            if not inspect.ismodule(obj):
                holders.setdefault(id(obj), []).append(module.__name__)
    out: dict[int, str] = {}
    for module in modules:
        for obj in _exports(module).values():
            if inspect.ismodule(obj) or id(obj) in out:
                continue
            candidates = sorted(holders[id(obj)], key=len, reverse=True)
            defined = getattr(obj, "__module__", None)
            defined = defined if isinstance(defined, str) else ""
            prefixed = [c for c in candidates if defined == c or defined.startswith(c + ".")]
            specific = [c for c in prefixed if c != ROOT]
            out[id(obj)] = (specific or candidates)[0]
    return out


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "Exceptions" if issubclass(obj, BaseException) else "Classes"
    if callable(obj):
        return "Functions"
    return "Constants"


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def page(module: types.ModuleType, home: dict[int, str], modules: list[str]) -> str:
    name = module.__name__
    lines = [
        f".. _api-{name}:\n",
        _title(name),
        f".. automodule:: {name}\n",
        f".. currentmodule:: {name}\n",
    ]
    children = [m for m in modules if m.rpartition(".")[0] == name and name != ROOT]
    if children:
        lines += [_title("Sub-packages and modules", "-"), ".. toctree::", "   :maxdepth: 1\n"]
        lines += [f"   {m}" for m in children]
        lines.append("")
    exports = _exports(module)
    own: dict[str, list[str]] = {}
    elsewhere: list[tuple[str, str]] = []
    for n, obj in exports.items():
        if inspect.ismodule(obj):
            continue
        if home[id(obj)] == name:
            own.setdefault(_kind(obj), []).append(n)
        else:
            elsewhere.append((n, home[id(obj)]))
    for kind in ("Classes", "Functions", "Exceptions", "Constants"):
        if kind in own:
            lines += [
                _title(kind, "-"),
                ".. autosummary::",
                "   :toctree: generated/",
                "   :nosignatures:\n",
            ]
            lines += [f"   {n}" for n in sorted(own[kind], key=str.lower)]
            lines.append("")
    if elsewhere:
        lines += [
            _title("Also importable from here", "-"),
            "Re-exported by this package, documented in their home package.\n",
        ]
        lines += [
            f"- :obj:`{n} <{where}.{n}>` (:mod:`{where}`)"
            for n, where in sorted(elsewhere, key=lambda e: e[0].lower())
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def index(modules: list[str]) -> str:
    text = [
        _title("API reference"),
        "Every public name of ``customer_kanban``, one page per package, in the order of the",
        "layers (model at the bottom, edges at the top).  A name that several packages re-export",
        "is documented once, in the package that defines it; the others link to it.\n",
        ".. toctree::",
        "   :maxdepth: 2\n",
    ]
    top = [m for m in modules if m.count(".") == 1]
    top.sort(key=lambda m: (LAYERS.index(m) if m in LAYERS else len(LAYERS), m))
    text += [f"   {m}" for m in [ROOT, *top]]
    return "\n".join(text) + "\n"


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def aliases(modules: list[types.ModuleType], home: dict[int, str]) -> dict[str, str]:
    """Re-exported dotted name -> the documented one.

    ``customer_kanban.metrics.lead_time`` -> ``customer_kanban.metrics.flow.lead_time``.
    """
    out: dict[str, str] = {}
    for module in modules:
        for n, obj in _exports(module).items():
            if not inspect.ismodule(obj) and home[id(obj)] != module.__name__:
                out[f"{module.__name__}.{n}"] = f"{home[id(obj)]}.{n}"
    return out


def resolve_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a reference to a re-exported name (in a docstring) to its documented home."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    table = app.env.customer_kanban_aliases
    contexts = (node.get("py:class"), node.get("py:module"))
    candidates = [target, *(f"{c}.{target}" for c in contexts if c)]
    for name in candidates:
        if name in table:
            domain = env.get_domain("py")
            new = node.deepcopy()
            new["reftarget"] = table[name]
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], table[name], new, contnode
            )
    return None


def write_pages(app: Any, config: Any = None) -> None:
    out = Path(app.srcdir) / "api"
    out.mkdir(exist_ok=True)
    modules = public_modules()
    home = homes(modules)
    app.customer_kanban_aliases = aliases(modules, home)
    names = [m.__name__ for m in modules]
    for module in modules:
        _write(out / f"{module.__name__}.rst", page(module, home, names))
    _write(out / "index.rst", index(names))


def _keep_aliases(app: Any) -> None:
    app.env.customer_kanban_aliases = app.customer_kanban_aliases


def setup(app: Any) -> dict[str, Any]:
    # before the sources are listed and autosummary generates its stubs
    app.connect("config-inited", write_pages, priority=100)
    app.connect("builder-inited", _keep_aliases)
    app.connect("missing-reference", resolve_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
