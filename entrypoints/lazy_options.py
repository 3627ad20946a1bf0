"""typer's option coercion, built only for a value that needs it (issue 14 P3).

typer (0.29) checks every option's value through a pydantic TypeAdapter, and builds that
adapter the first time the option is processed, whether it was given or not: importing
pydantic and building the adapters is ~40 ms of every command's start (`status` with no
option given included). An option left out (None) needs no adapter: typer's own coercion
returns None (or () for a multi-value option) without looking at it. A plain-text option
given as text is returned as it is by typer's adapter too. Those two cases are answered here;
every other value goes through typer's own coercion, built on first use, so what a user types
is checked exactly as before (tests/cli/test_bad_input.py, tests/cli/test_lazy_options.py).

This reaches into typer's parameter objects (`_runtime_param`, `type_descriptor`): where a
parameter lacks them (another typer), it is left as typer made it."""

from typing import Any

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param


class LazyCoercion:
    """Stands in a typer parameter's `_runtime_param`; typer calls its coerce()."""

    def __init__(self, descriptor: TypeDescriptor) -> None:
        self.descriptor = descriptor
        self.built: RuntimeParam | None = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.built is None:
            if value is None:
                return () if param.multiple or param.nargs == -1 else None
            plain_text = (self.descriptor.annotation is str
                          and self.descriptor.parameter_info.parser is None)
            if plain_text and isinstance(value, str):
                return value
            self.built = build_runtime_param(self.descriptor)
        return self.built.coerce(value, param=param, ctx=ctx)


def installed(params: list[Any]) -> list[Any]:
    """The parameters a command processes, each with a LazyCoercion where typer would build
    its coercion on first use (idempotent)."""
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", False) is None:
            param._runtime_param = LazyCoercion(descriptor)
    return params
