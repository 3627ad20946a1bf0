"""The domain's error hierarchy; every rule violation raises a DomainError subclass."""


class DomainError(Exception):
    """Root of every error the domain raises."""


class InvalidIntent(DomainError):
    """An order intent (or client id) that the exchange would reject, caught before sending."""


class InvalidTransition(DomainError):
    """An event that the position stage machine does not accept in its current stage."""


class ParameterError(DomainError):
    """A parameter file or mapping with a missing, unknown or out-of-range value."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"parameter {key!r}: {problem}")
        self.key = key
        self.problem = problem


class NotAnExchangeRecord(DomainError):
    """An attempt to build a Fill from something that is not exchange evidence of a fill."""
