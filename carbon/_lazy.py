"""A module imported on first use: pandas costs a third of a second, and most of carbon's
users (a formula, a record) never touch it.

Use it as::

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy_module("pandas")

so that type checkers see the module and ``pd.Series`` runs ``import pandas`` the first time.
Annotations stay strings (``from __future__ import annotations``) and cost nothing.

>>> np_ = lazy_module("numpy")
>>> float(np_.float64(2.5))
2.5
>>> np_
<module 'numpy' (imported on first use)>
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["is_pandas", "lazy_exports", "lazy_module"]


class _LazyModule:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r} (imported on first use)>"


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` that imports it when an attribute is first read."""
    return _LazyModule(name)


def is_pandas(value: Any, *kinds: str) -> bool:
    """Whether ``value`` is a pandas object of one of ``kinds`` (``"Series"``,
    ``"DataFrame"``), without importing pandas: none can exist before pandas is imported.

    >>> is_pandas([1.0], "Series")
    False
    """
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, tuple(getattr(pd, k) for k in kinds))


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]],
                 public: Sequence[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package whose public names load on first use (PEP 562).

    ``exports`` maps each module to the names it gives the package; ``public`` is the
    package's ``__all__``. A name is imported from its module the first time it is read, then
    kept in the package's namespace (the next read is a plain lookup).

    >>> import types
    >>> pkg = types.ModuleType("pkg")
    >>> pkg.__getattr__, pkg.__dir__ = lazy_exports("pkg", {"math": ("pi",)}, ["pi"])
    >>> sys.modules["pkg"] = pkg
    >>> round(pkg.pi, 4), "pi" in vars(pkg), "pi" in pkg.__dir__()
    (3.1416, True, True)
    >>> del sys.modules["pkg"]
    """
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
