"""What the hidden tests call, put back as it was before the learner's code ran.

As in nbgrader, the tests run in the learner's own interpreter: they need the learner's variables. So the learner's
code could replace what the tests call. `courses.checks.assert_close = lambda *a, **k: None` or
`pd.read_csv = lambda *a, **k: [0, 0, 0]` would make every hidden test pass on a wrong answer. Before each
hidden-test segment, the sandbox puts back what the learner's code replaced or deleted (never what it added):
- every attribute of the guarded modules;
- the modules themselves in `sys.modules`;
- the names the provided cells bound to them (`pd`, `np`), in the tests' copy of the namespace only.
It also reports what it put back, so the tests check the answer with the real functions.

Honest limit: this covers replacing functions, not changing objects in place (a library's classes, a cache's
contents). The per-submission process, its limits and the integrity checks of the test cells are the rest of the
defence.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

# What the course tests use: the tolerant checks and reference tables, the stack they compare with, Python's own.
GUARDED_MODULES = (
    "builtins",
    "math",
    "numpy",
    "numpy.testing",
    "pandas",
    "pandas.testing",
    "courses",
    "courses.checks",
    "datasets_synthetic",
)
_MISSING = object()


class TestGuard:
    """Snapshot of the guarded modules, taken before any learner code runs; `restore` puts it back."""

    __test__ = False  # not a pytest class, despite its name

    def __init__(self, names: tuple[str, ...] = GUARDED_MODULES) -> None:
        self.modules: dict[str, ModuleType] = {}
        for name in names:
            try:  # the zygote imported them already: this only looks them up
                self.modules[name] = importlib.import_module(name)
            except Exception:  # a module the sandbox cannot import is one no test can use
                continue
        self.attributes = {name: dict(vars(module)) for name, module in self.modules.items()}
        self.aliases: dict[str, ModuleType] = {}
        self.reported: set[str] = set()

    def learn_aliases(self, namespace: dict[str, Any]) -> None:
        """Remember the names first bound to a guarded module (`import pandas as pd` in a provided cell)."""
        genuine = {id(module) for module in self.modules.values()}
        for key, value in namespace.items():
            if key not in self.aliases and isinstance(value, ModuleType) and id(value) in genuine:
                self.aliases[key] = value

    def restore(self, namespace: dict[str, Any]) -> list[str]:
        """Put back what was replaced (in `namespace`, the tests' copy, for aliases); the names not reported yet."""
        restored = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                restored.append(name)
            current = vars(module)
            for key, value in self.attributes[name].items():
                if current.get(key, _MISSING) is not value:
                    current[key] = value
                    restored.append(f"{name}.{key}")
        for key, module in self.aliases.items():
            if namespace.get(key) is not module:
                namespace[key] = module
                restored.append(key)
        fresh = [name for name in restored if name not in self.reported]
        self.reported.update(fresh)
        return fresh
