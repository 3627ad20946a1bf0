"""Seed 000 §8 as a check: what the code writes today fits the frozen schemas in
schemas/v1/, every field it writes is declared there, and the schemas are strict enough to
fail on a removed, renamed or retyped field while passing an added optional one."""

import copy
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from adapters.evidence.schemas import DOCUMENT_SCHEMAS, LINE_SCHEMAS, RAW_RECORD, STATE, validator
from tests.schemas.samples import Samples

CONTRACT = "1"
# one value of each JSON type, to retype a field to a type its schema does not allow
OTHER_TYPES: dict[str, Any] = {"string": "7", "integer": 7, "boolean": True, "array": [],
                               "object": {}, "null": None}


def written(samples: Samples) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(schema name, where, document) for everything in the sample runs and the state file."""
    for run in samples.run_dirs:
        for path in sorted(run.iterdir()):
            name = path.name
            if name in DOCUMENT_SCHEMAS:
                yield DOCUMENT_SCHEMAS[name], f"{run.name}/{name}", json.loads(path.read_text())
            elif name in LINE_SCHEMAS or name.startswith("m_execution_raw_part_"):
                schema = LINE_SCHEMAS.get(name, RAW_RECORD)
                for n, line in enumerate(path.read_text().splitlines(), start=1):
                    yield schema, f"{run.name}/{name} line {n}", json.loads(line)
    yield STATE, "state.json", json.loads(samples.state_path.read_text())


def test_the_samples_cover_every_schema_and_every_form(samples: Samples) -> None:
    seen = {schema for schema, _, _ in written(samples)}
    assert seen == {*DOCUMENT_SCHEMAS.values(), *LINE_SCHEMAS.values(), RAW_RECORD, STATE}
    docs = [d for _, _, d in written(samples)]
    calls = {d.get("call") for d in docs} | {d.get("kind") for d in docs}
    assert calls >= {"submit_order", "cancel_order", "get_price_limit", "check_px",
                     "resolve_unknown_submit", "close_probe_fill", "get_order_status",
                     "rest", "ws_in", "ws_out", "ws_state", "selfcheck", "run_start", "run_end"}
    assert {d.get("ok") for d in docs if d.get("call") == "public_ticker"} == {True, False}
    assert {d.get("outcome") for d in docs if d.get("call") == "submit_order"} >= {
        "accepted", "rejected", "unknown"}


def test_what_the_code_writes_today_fits_the_frozen_schemas(samples: Samples) -> None:
    problems = [f"{where}: {error.message}" for schema, where, doc in written(samples)
                for error in validator(CONTRACT, schema).iter_errors(doc)]
    assert problems == []


def test_every_field_the_code_writes_is_declared_in_its_schema(samples: Samples) -> None:
    # a field the schemas do not name is not frozen yet: declare it (as optional) in schemas/v1
    closed = {name: Draft202012Validator(_closed(validator(CONTRACT, name).schema))
              for name in {s for s, _, _ in written(samples)}}
    problems = [f"{where}: {error.message}" for schema, where, doc in written(samples)
                for error in closed[schema].iter_errors(doc)]
    assert problems == []


def _closed(schema: Any) -> Any:
    # every object that lists properties refuses the others (allOf branches count as listing)
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _closed(v) for k, v in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        out["unevaluatedProperties"] = False
    for branch in ("then", "if"):
        if isinstance(out.get(branch), dict):
            out[branch].pop("unevaluatedProperties", None)  # judged at the parent's level
    return out


def one_of_each(samples: Samples) -> dict[str, dict[str, Any]]:
    """The fullest document written for each schema."""
    best: dict[str, dict[str, Any]] = {}
    for schema, _, doc in written(samples):
        if len(json.dumps(doc)) > len(json.dumps(best.get(schema, {}))):
            best[schema] = doc
    return best


def _required(schema: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    found = [k for k in schema.get("required", []) if k in doc]
    for branch in schema.get("allOf", []):
        if Draft202012Validator(branch["if"]).is_valid(doc):
            found += [k for k in branch["then"].get("required", []) if k in doc]
    return sorted(set(found))


def _declared_types(schema: dict[str, Any], doc: dict[str, Any], key: str) -> set[str]:
    subschemas = [schema.get("properties", {}).get(key)]
    subschemas += [b["then"].get("properties", {}).get(key) for b in schema.get("allOf", [])
                   if Draft202012Validator(b["if"]).is_valid(doc)]
    declared: set[str] = set()
    for sub in filter(None, subschemas):
        kinds = sub.get("type")
        if kinds is not None:
            declared |= {kinds} if isinstance(kinds, str) else set(kinds)
        elif "const" in sub or "enum" in sub:
            values = [sub["const"]] if "const" in sub else sub["enum"]
            declared |= {_json_type(v) for v in values}
        else:
            declared |= {_json_type(x) for x in (doc[key],)} | {"object", "null"}
    return declared | ({"number"} if "integer" in declared else set())


def _json_type(value: Any) -> str:
    return next(name for name, sample in OTHER_TYPES.items()
                if type(sample) is type(value) or (value is None and sample is None))


def _retyped(schema: dict[str, Any], doc: dict[str, Any], key: str) -> Any:
    declared = _declared_types(schema, doc, key)
    outside = [v for name, v in OTHER_TYPES.items() if name not in declared]
    return outside[0] if outside else "no JSON type lies outside this field's schema"


def schema_of(name: str) -> dict[str, Any]:
    schema = validator(CONTRACT, name).schema
    assert isinstance(schema, dict), name
    return schema


def field_cases(samples: Samples) -> Iterator[tuple[str, dict[str, Any], str]]:
    for schema, doc in one_of_each(samples).items():
        for key in _required(schema_of(schema), doc):
            yield schema, doc, key


@pytest.mark.parametrize("edit", ["removed", "renamed", "retyped"])
def test_a_removed_renamed_or_retyped_field_fails(samples: Samples, edit: str) -> None:
    cases = list(field_cases(samples))
    assert len(cases) > 100  # every required field of every schema, not a token few
    passed = []
    for schema, doc, key in cases:
        changed = copy.deepcopy(doc)
        value = changed.pop(key)
        if edit == "renamed":
            changed[key + "_v2"] = value
        elif edit == "retyped":
            changed[key] = _retyped(schema_of(schema), doc, key)
        if validator(CONTRACT, schema).is_valid(changed):
            passed.append(f"{schema}.{key}")
    assert passed == [], f"{edit} fields the frozen schemas still accept: {passed}"


def test_an_added_optional_field_passes(samples: Samples) -> None:
    for schema, doc in one_of_each(samples).items():
        grown = {**copy.deepcopy(doc), "added_in_a_later_version": {"any": ["shape", 1]}}
        assert validator(CONTRACT, schema).is_valid(grown), schema


def test_a_nested_state_field_is_frozen_too(samples: Samples) -> None:
    state = json.loads(samples.state_path.read_text())
    symbol = next(iter(state["symbols"]))
    position = state["symbols"][symbol]["position_state"]
    for key in ("sl_price", "stage", "next_attempts", "sl_algo"):
        changed = copy.deepcopy(state)
        del changed["symbols"][symbol]["position_state"][key]
        assert not validator(CONTRACT, STATE).is_valid(changed), key
    changed = copy.deepcopy(state)
    changed["symbols"][symbol]["position_state"]["qty_open"] = float(position["qty_open"])
    assert not validator(CONTRACT, STATE).is_valid(changed)


def test_the_schema_files_are_valid_draft_2020_12() -> None:
    folder = resources.files("schemas") / "v1"  # as installed: verify reads them from there
    names = sorted(p.name.removesuffix(".schema.json") for p in folder.iterdir()
                   if p.name.endswith(".schema.json"))
    assert names == sorted({*DOCUMENT_SCHEMAS.values(), *LINE_SCHEMAS.values(), RAW_RECORD,
                            STATE})
    for name in names:
        Draft202012Validator.check_schema(validator(CONTRACT, name).schema)
