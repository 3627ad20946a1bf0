"""dependency_injector, imported without its optional pydantic, YAML and web-framework support.

Its providers module imports pydantic (for Configuration.from_pydantic) and PyYAML (for
from_yaml) whenever they are installed, and both are here (typer needs pydantic, uvicorn's
extras bring PyYAML): ~35 ms of every command's start-up (issue 14 P3) for two features the
container does not use (its configuration comes from entrypoints/settings.py as a dict). Its
wiring module imports starlette's Request (with anyio and python_multipart, ~7 ms; starlette
is here for the simulator) and probes fastapi, fast_depends and werkzeug, all for `@inject`
wiring, which the engine does not use. So those are imported as if not installed
(entrypoints/absent.py), for this one import only: a later `import pydantic` (typer's option
checks) or `import starlette` (the simulator) works as always. Every module of the engine
that needs dependency_injector takes it from here."""

from entrypoints.absent import absent

OPTIONAL = ("pydantic_settings", "pydantic", "yaml", "starlette", "fastapi", "fast_depends",
            "werkzeug")

with absent(OPTIONAL):
    from dependency_injector import containers, providers

__all__ = ["containers", "providers"]
