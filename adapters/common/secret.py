"""API credentials that cannot leak through str(), repr(), format() or pickling."""

import hmac


class Secret:
    """A string whose value is shown only by reveal(); every rendering prints a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a secret must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('[redacted]')"

    def __str__(self) -> str:
        return "[redacted]"

    def __format__(self, format_spec: str) -> str:
        return "[redacted]"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))

    def __reduce__(self) -> tuple[object, ...]:
        # pickling would write the value out in clear: refuse rather than leak
        raise TypeError("a Secret cannot be pickled")


def as_secret(value: "str | Secret") -> Secret:
    return value if isinstance(value, Secret) else Secret(value)
