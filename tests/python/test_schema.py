"""The JSON Schema `smlog schema` prints, checked by an independent validator
(python-jsonschema, draft 2020-12) against what smlog itself accepts: the
starter `smlog init` writes, every shipped example, and inputs smlog refuses."""
import json
import pathlib
import subprocess
import sys

import jsonschema
import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "emulator"))
from harness import smlog_binary  # noqa: E402

EXAMPLES = sorted((REPO / "templates" / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(subprocess.run([smlog_binary(), "schema"], capture_output=True, text=True,
                                       check=True).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def smlog_accepts(folder, text):
    (folder / "smlog.yaml").write_text(text)
    result = subprocess.run([smlog_binary(), "synth"], cwd=folder, capture_output=True, text=True)
    return result.returncode == 0


def test_the_starter_file_is_valid(validator, tmp_path):
    subprocess.run([smlog_binary(), "init"], cwd=tmp_path, check=True, capture_output=True)
    starter = yaml.safe_load((tmp_path / "smlog.yaml").read_text())
    validator.validate(starter)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_valid(validator, example):
    validator.validate(yaml.safe_load(example.read_text()) or {})


@pytest.mark.parametrize("text", [
    "bucket_nam: logs-a\n",                                   # a misspelt key
    "keys: three\n",                                          # not one of the modes
    "member:\n  attach:\n    instance_profile_roles: 'yes'\n",  # a string where a boolean belongs
    "organization_id: o-123\n",                               # breaks the pattern
    "rollout:\n  regions: us-east-1\n",                       # a string where a list belongs
    "replica:\n  bucket_name: logs-b\n",                      # replica without its Region
])
def test_what_smlog_refuses_the_schema_refuses(validator, tmp_path, text):
    assert not smlog_accepts(tmp_path, text)
    errors = list(validator.iter_errors(yaml.safe_load(text)))
    assert errors, f"the schema accepts {text!r}, which smlog refuses"
