"""The frozen JSON Schemas (seed 000 §8) under schemas/v<contract_version>/, applied with the
jsonschema package.

A schema lists every field today's code writes, with its type, as required where the code
always writes it; extra properties are allowed, because §8 lets later versions add fields. A
removed, renamed or retyped field needs a new contract_version, and so a new schemas/v<N>/.
"""

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

KNOWN_CONTRACTS = ("1",)
# whole JSON documents, by file name
DOCUMENT_SCHEMAS = {
    "public_instruments_probe.json": "public_instruments_probe",
    "public_ticker_probe.json": "public_ticker_probe",
    "account_config_snapshot.json": "account_config_snapshot",
    "probe_selected_inst.json": "probe_selected_inst",
    "run_manifest.json": "run_manifest",
    "m_execution_raw_index.json": "raw_index",
}
# JSON Lines files: each line against the schema
LINE_SCHEMAS = {
    "order_status_samples.json": "order_status_samples",
    "probe_execution.jsonl": "probe_execution",
}
RAW_RECORD = "raw_record"
STATE = "state"


@functools.cache
def validator(contract: str, name: str) -> Draft202012Validator:
    """The compiled validator of schemas/v<contract>/<name>.schema.json."""
    text = resources.files("schemas").joinpath(f"v{contract}", f"{name}.schema.json").read_text(
        encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_problem(contract: str, name: str, instance: Any) -> str | None:
    """None when instance fits the frozen schema, else the most relevant violation."""
    checker = validator(contract, name)
    if checker.is_valid(instance):  # the common case, and much cheaper than collecting errors
        return None
    error = best_match(checker.iter_errors(instance))
    if error is None:
        return None
    where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                          for p in error.absolute_path)
    return f"{where}: {error.message} (schemas/v{contract}/{name}.schema.json)"
