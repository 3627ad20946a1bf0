"""Redaction before anything reaches disk, in depth.

1. By name: any key (header, body field, WS login arg) whose name looks like a credential has its
   value replaced, wherever it sits, including inside a JSON body carried as a string.
2. By value: the literal secrets the sink was given are scrubbed from the serialized line, so a
   secret the caller put under an innocent key never lands. A secret JSON would escape (a quote,
   a backslash, a control or non-ASCII character) is also scrubbed from every string first:
   nested in a string that is itself serialized, its escaped form changes with each level.
   Any other secret is written as itself at every depth, so the line's scrub finds it there.
The walk also turns values JSON cannot hold (Decimal, enums, attrs objects, bytes, NaN) into
plain JSON, so serialization itself cannot fail and lose a record.

Redactor.encode_plain skips the walk where it cannot change anything: the value is plain JSON
that orjson writes and reads back equal, and the text has no backslash, is ASCII and holds no
credential-name fragment outside pairs already redacted (_names_clean). Most exchange records
qualify; walking and json.dumps were most of a record's cost (issue 14 P1, BENCHMARKS.md).
"""

import enum
import functools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
import orjson

REDACTED = "[redacted]"
MIN_SECRET_LEN = 6

# matched against the key lower-cased with everything but letters and digits removed, so
# OK-ACCESS-KEY, ok_access_key and okAccessKey are one name
_SECRET_NAME = re.compile("secret|passphrase|password|apikey|accesskey|privatekey|signature|"
                          "authorization|cookie|sign$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
# a cheap test before parsing a string as JSON: could it hold a credential-named key at all
_MAYBE_SECRET_KEY = re.compile(r"secret|passphrase|password|api_?key|access|sign|authori|cookie",
                               re.IGNORECASE)


_OPENERS = frozenset("{[")
# _names_clean deletes every byte but A-Z, a-z and 0-9 and lower-cases what is left
_NOT_ALNUM_BYTES = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalnum())
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_REDACTED_VALUE = b'":"' + REDACTED.encode() + b'"'
# subclasses, dataclasses and datetimes go to the walk (orjson raises TypeError on them)
_ORJSON_OPTIONS = (orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_DATETIME)
ESCAPE_DEPTH = 3
# how deep encode_plain looks for Nones before reading a line back for NaN: a record's own
# fields, its request/response/extra, and the items right under those
NULL_DEPTH = 3


def _escaped_forms(secret: str) -> set[str]:
    found = {secret}
    for _ in range(ESCAPE_DEPTH):
        found |= {json.dumps(f, ensure_ascii=a)[1:-1] for f in found for a in (True, False)}
    return found
_PLAIN = re.compile(r"[\x20-\x7e]*")


def _escape_invariant(text: str) -> bool:
    """json.dumps writes text as itself, at any depth of nesting (printable ASCII, no quote
    and no backslash)."""
    return _PLAIN.fullmatch(text) is not None and '"' not in text and "\\" not in text


def _names_clean(data: bytes) -> bool:
    """True when no key written in this JSON text can be a credential name, except keys whose
    value is already REDACTED (the walk leaves those pairs as they are).

    With no backslash, every key stands in the text verbatim (and no string holds JSON with
    keys of its own: their quotes would be escaped), and `":"[redacted]"` can only end a key
    and start its redacted value. is_secret_name lower-cases a key and deletes all but a-z and
    0-9; doing the same to the whole text leaves each key's squeezed form a contiguous part of
    it, so a credential name anywhere leaves a fragment behind. Keys and values run together
    may leave one too: then the caller walks, which is only slower.
    """
    if b"\\" in data or not data.isascii():
        return False
    if _REDACTED_VALUE in data:
        parts = data.split(_REDACTED_VALUE)
        # each part but the last ends with `"<key>`: cut from the key's opening quote
        data = b"".join(part[:part.rfind(b'"')] for part in parts[:-1]) + parts[-1]
    squeezed = data.translate(_LOWER, _NOT_ALNUM_BYTES)
    # what is_secret_name looks for, widened: `sign$` to `sign` (which covers `signature`),
    # passphrase and password to `pass`; spelled out, as a generator costs more than the tests
    return not (b"sign" in squeezed or b"secret" in squeezed or b"pass" in squeezed
                or b"apikey" in squeezed or b"accesskey" in squeezed
                or b"privatekey" in squeezed or b"authorization" in squeezed
                or b"cookie" in squeezed)


def _shallow_nones(value: Any, depth: int) -> int:
    """How many values are None in value and in the dicts nested in it, depth levels deep
    (value itself is level 1); 0 for anything that is not a dict."""
    if type(value) is not dict:
        return 0
    found = 0
    for item in value.values():
        if item is None:
            found += 1
        elif depth > 1 and type(item) is dict:
            found += _shallow_nones(item, depth - 1)
    return found


@functools.lru_cache(maxsize=4096)  # the same few header and field names recur in every record
def is_secret_name(name: str) -> bool:
    """True for OK-ACCESS-KEY/-SIGN/-PASSPHRASE, apiKey, sign, secretKey, password and kin."""
    return _SECRET_NAME.search(_NOT_ALNUM.sub("", name.lower())) is not None


class Redactor:
    """Cleans values for the evidence files; built once per sink with the run's literal secrets."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue  # an unset credential has nothing to leak
            if len(secret) < MIN_SECRET_LEN:
                raise ValueError(f"a secret to scrub must have at least {MIN_SECRET_LEN} "
                                 "characters; shorter ones would erase ordinary text")
            # as written, and as json.dumps escapes it with or without ensure_ascii, inside
            # strings that hold JSON up to ESCAPE_DEPTH deep
            forms |= _escaped_forms(secret)
        self._forms = sorted(forms, key=len, reverse=True)
        self._byte_forms = [f.encode("utf-8") for f in self._forms]
        # the string-by-string scrub is needed only when some secret changes when escaped
        self._scrub_strings = any(not _escape_invariant(f) for f in self._forms)

    def clean(self, value: Any) -> Any:
        """A JSON-ready copy of value with credentials redacted."""
        kind = type(value)
        # exact-type fast paths first: this runs over every value of every record
        if kind is str:
            return self._clean_str(value)
        if kind is dict:
            return self._clean_mapping(value)
        if value is None or kind is bool or kind is int:
            return value
        if isinstance(value, enum.Enum):
            return self.clean(value.value)
        if isinstance(value, str):
            return self._clean_str(str(value))
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, Mapping):
            return self._clean_mapping(value)
        if isinstance(value, int):  # bool and int subclasses (IntEnum was handled above)
            return int(value)
        if isinstance(value, (list, tuple)):
            return self._clean_sequence(value)
        if isinstance(value, (bytes, bytearray)):
            return self._clean_str(bytes(value).decode("utf-8", errors="replace"))
        if attrs.has(type(value)):
            return self.clean(attrs.asdict(value, recurse=False))
        return self._clean_str(str(value))

    def encode_plain(self, value: Any) -> bytes | None:
        """Compact JSON of value (UTF-8) when clean(value) would be value itself, else None:
        then the caller walks. Literal secrets are still the caller's to scrub_bytes."""
        if self._scrub_strings:
            return None  # a secret that escapes must be scrubbed string by string
        try:
            data = orjson.dumps(value, option=_ORJSON_OPTIONS)
        except TypeError:
            return None  # Decimal, bytes, attrs, int beyond 64 bits, non-str keys ...
        if not _names_clean(data):
            return None
        # orjson writes NaN and infinities as null, where the walk keeps them as text: a value
        # that reads back different is left to the walk. Reading back is skipped when the
        # Nones near the top (a GET's body, a read's exp_time_ms) account for every "null"
        # in the text: each None and each NaN writes one, so none of them can be a NaN.
        if b"null" in data and data.count(b"null") != _shallow_nones(value, NULL_DEPTH) \
                and orjson.loads(data) != value:
            return None
        return data

    def clean_scrubbed(self, value: Any) -> Any:
        """clean(value), with literal secrets scrubbed from it as well: for values written
        somewhere no serialized-line scrub follows (the labels, copied into the index)."""
        cleaned = self.clean(value)
        return json.loads(self.scrub(json.dumps(cleaned, ensure_ascii=False)))

    def scrub(self, text: str) -> str:
        """text with every literal secret replaced."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def scrub_bytes(self, data: bytes) -> bytes:
        """The last guard over a serialized line."""
        for form in self._byte_forms:
            if form in data:
                data = data.replace(form, REDACTED.encode())
        return data

    def _clean_mapping(self, mapping: Mapping[Any, Any]) -> dict[str, Any]:
        # the hottest loop of the sink: the common value types are handled inline
        cleaned: dict[str, Any] = {}
        scrub_keys = self._scrub_strings
        for key, item in mapping.items():
            name = key if type(key) is str else str(key)
            shown = self.scrub(name) if scrub_keys else name
            if is_secret_name(name):
                cleaned[shown] = REDACTED
                continue
            kind = type(item)
            if kind is str:
                head = item[:1]
                # only a string that may hold JSON, or a secret JSON escapes, needs work here
                cleaned[shown] = (self._clean_str(item) if scrub_keys or head in _OPENERS
                                  or head.isspace() else item)
            elif item is None or kind is int or kind is bool:
                cleaned[shown] = item
            elif kind is dict:
                cleaned[shown] = self._clean_mapping(item)
            else:
                cleaned[shown] = self.clean(item)
        return cleaned

    def _clean_sequence(self, items: Sequence[Any]) -> list[Any]:
        # headers are sometimes kept as [name, value] pairs
        if len(items) == 2 and isinstance(items[0], str) and is_secret_name(items[0]):
            return [self.scrub(items[0]), REDACTED]
        return [self.clean(item) for item in items]

    def _clean_str(self, text: str) -> str:
        first = text[:1]
        json_like = first in _OPENERS or (first.isspace() and text.lstrip()[:1] in _OPENERS)
        if json_like and _MAYBE_SECRET_KEY.search(text):
            text = self._clean_embedded_json(text)
        return self.scrub(text) if self._scrub_strings else text

    def _clean_embedded_json(self, text: str) -> str:
        # a raw body or WS frame kept as text, e.g. '{"op":"login","args":[{"sign":...}]}';
        # re-serialized only when something in it had to be redacted
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        cleaned = self.clean(parsed)
        if cleaned == parsed:
            return text
        return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
