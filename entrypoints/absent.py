"""Import a library as if some of its optional modules were not installed.

dependency_injector and httpx each import, when they are installed, modules the engine never
uses (dependency_injector: pydantic, PyYAML and web frameworks' request types; httpx: its
command-line client with click, rich and pygments), and fall back to doing without when the
import fails. At a command's start-up those cost tens of milliseconds (issue 14 P3). Inside
`absent(...)` a finder placed first on sys.meta_path answers "not installed" for the named
modules (and their submodules); it is removed when the block ends, so a later import of any
of them works as always. Modules already imported are left alone. (A None in sys.modules, the
other documented way, does not work for dependency_injector: its compiled modules read
sys.modules directly and get the None.)"""

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType


class _NotInstalled:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if any(name == absent or name.startswith(absent + ".") for absent in self.names):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@contextmanager
def absent(names: tuple[str, ...]) -> Iterator[None]:
    finder = _NotInstalled(tuple(name for name in names if name not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
