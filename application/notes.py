"""Note: one line a use-case reports about what it did or observed; needs_attention when it
leaves an outcome unknown or a position possibly unprotected (the command then exits 3)."""

import attrs


@attrs.frozen
class Note:
    text: str
    needs_attention: bool = False
