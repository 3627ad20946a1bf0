"""dependency_injector, imported without its optional pydantic and YAML support.

Its providers module imports pydantic (for Configuration.from_pydantic) and PyYAML (for
from_yaml) whenever they are installed, and both are here (typer needs pydantic, uvicorn's
extras bring PyYAML): ~35 ms of every command's start-up (issue 14 P3) for two features the
container does not use (its configuration comes from entrypoints/settings.py as a dict). So
for the one import of dependency_injector's providers a finder placed first on sys.meta_path
answers "not installed" for those two, and is removed right after: a later `import pydantic`
(typer's option checks) works as always. Modules already imported are left alone. (A None in
sys.modules, the other documented way, does not work here: the compiled module's import reads
sys.modules directly and gets the None.) Every module of the engine that needs
dependency_injector takes it from here."""

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

OPTIONAL = ("pydantic_settings", "pydantic", "yaml")


class _NotInstalled:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@contextmanager
def _absent(names: tuple[str, ...]) -> Iterator[None]:
    finder = _NotInstalled(tuple(name for name in names if name not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


with _absent(OPTIONAL):
    from dependency_injector import containers, providers

__all__ = ["containers", "providers"]
