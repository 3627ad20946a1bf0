"""What verify found in a run directory, and how bad it is."""

import enum

import attrs


class Severity(enum.Enum):
    # tampering or damage: the evidence no longer says what was written
    BROKEN = "broken"
    # what a process killed mid-run leaves: a torn last line, no package, a stray temp file
    CRASH = "crash"
    # nothing is unproven, but something is not as the engine leaves it
    WARNING = "warning"


@attrs.frozen
class Finding:
    """One problem: which check saw it, in which file and record, and what it is."""

    check: str
    file: str  # relative to the run directory; "." for the directory itself
    record: str  # "line 3", "seq 12", or "" for the whole file
    severity: Severity
    message: str

    def where(self) -> str:
        return f"{self.file} {self.record}" if self.record else self.file

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "file": self.file, "record": self.record,
                "severity": self.severity.value, "message": self.message}


def broken(check: str, file: str, message: str, record: str = "") -> Finding:
    return Finding(check, file, record, Severity.BROKEN, message)


def crash(check: str, file: str, message: str, record: str = "") -> Finding:
    return Finding(check, file, record, Severity.CRASH, message)


def warning(check: str, file: str, message: str, record: str = "") -> Finding:
    return Finding(check, file, record, Severity.WARNING, message)
