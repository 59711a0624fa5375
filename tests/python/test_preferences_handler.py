"""The preferences custom resource's handler, against moto's in-process SSM mock."""
import copy
import json
import pathlib

import boto3
import pytest
from moto import mock_aws

HANDLER = pathlib.Path(__file__).resolve().parents[2] / "src" / "stacks" / "preferences_handler.py"
NAME = "SSM-SessionManagerRunShell"
INLINE_CODE_LIMIT = 4096


def load_handler():
    namespace = {"__name__": "preferences_handler"}
    exec(compile(HANDLER.read_text(), str(HANDLER), "exec"), namespace)
    return namespace


def content(bucket="central-logs", idle="20"):
    # As CloudFormation hands it over: booleans arrive as strings.
    return {
        "schemaVersion": "1.0",
        "description": "Session Manager preferences managed by smlog",
        "sessionType": "Standard_Stream",
        "inputs": {
            "s3BucketName": bucket,
            "s3KeyPrefix": "111111111111/us-east-1",
            "s3EncryptionEnabled": "true",
            "cloudWatchLogGroupName": "",
            "cloudWatchEncryptionEnabled": "true",
            "cloudWatchStreamingEnabled": "false",
            "kmsKeyId": "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "runAsEnabled": "false",
            "runAsDefaultUser": "",
            "idleSessionTimeout": idle,
            "maxSessionDuration": "",
            "shellProfile": {"windows": "", "linux": ""},
        },
    }


def event(request_type, props):
    return {
        "RequestType": request_type,
        "ResponseURL": "http://127.0.0.1:1/unused",
        "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/member/1",
        "RequestId": "request-1",
        "LogicalResourceId": "SessionPreferences",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:…", "DocumentName": NAME, "Content": props},
    }


class Responses(list):
    def __call__(self, event, status, reason, physical_id):
        self.append({"status": status, "reason": reason, "physical_id": physical_id})


@pytest.fixture
def ssm(monkeypatch):
    for var, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(var, value)
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


def run(ssm, request_type, props):
    responses = Responses()
    load_handler()["handler"](event(request_type, copy.deepcopy(props)), None, ssm=ssm, send=responses)
    assert len(responses) == 1
    return responses[0]


def default_content(ssm):
    doc = ssm.get_document(Name=NAME, DocumentFormat="JSON")
    return doc["DocumentVersion"], json.loads(doc["Content"])


def test_handler_fits_the_inline_code_limit():
    assert len(HANDLER.read_text()) <= INLINE_CODE_LIMIT


def test_creates_the_document_when_missing(ssm):
    response = run(ssm, "Create", content())
    assert response == {"status": "SUCCESS", "reason": "created", "physical_id": NAME}
    description = ssm.describe_document(Name=NAME)["Document"]
    assert description["DocumentType"] == "Session"
    version, body = default_content(ssm)
    assert version == "1"
    assert body["inputs"]["s3EncryptionEnabled"] is True
    assert body["inputs"]["cloudWatchStreamingEnabled"] is False
    assert body["inputs"]["idleSessionTimeout"] == "20"


def test_updates_and_promotes_an_existing_document(ssm):
    # Someone opened the console's preferences page: the document exists with other content.
    console = content(bucket="someone-elses-bucket")
    ssm.create_document(Name=NAME, Content=json.dumps(console), DocumentType="Session", DocumentFormat="JSON")
    response = run(ssm, "Create", content())
    assert response["status"] == "SUCCESS"
    assert response["reason"] == "updated, promoted"
    version, body = default_content(ssm)
    assert version == "2"
    assert body["inputs"]["s3BucketName"] == "central-logs"
    assert body["inputs"]["s3EncryptionEnabled"] is True


def test_duplicate_content_is_not_an_error(ssm):
    run(ssm, "Create", content())
    response = run(ssm, "Update", content())
    assert response["status"] == "SUCCESS"
    assert response["reason"] == "unchanged"
    version, _ = default_content(ssm)
    assert version == "1"


def test_duplicate_of_a_version_that_is_not_default_gets_promoted(ssm):
    run(ssm, "Create", content())
    newer = content(idle="30")
    body = json.dumps(load_handler()["restore_types"](copy.deepcopy(newer)), sort_keys=True)
    ssm.update_document(Name=NAME, Content=body, DocumentVersion="$LATEST", DocumentFormat="JSON")
    # Version 2 exists but version 1 is still the default.
    response = run(ssm, "Update", newer)
    assert response["status"] == "SUCCESS"
    assert response["reason"] == "unchanged, promoted"
    version, body = default_content(ssm)
    assert version == "2"
    assert body["inputs"]["idleSessionTimeout"] == "30"


def test_delete_leaves_the_document_in_place(ssm):
    run(ssm, "Create", content())
    response = run(ssm, "Delete", content())
    assert response == {"status": "SUCCESS", "reason": "document left in place", "physical_id": NAME}
    assert ssm.describe_document(Name=NAME)["Document"]["Name"] == NAME


def test_failures_are_reported_to_cloudformation(ssm):
    broken = content()
    del broken["inputs"]
    broken["schemaVersion"] = 7
    responses = Responses()

    class Exploding:
        exceptions = ssm.exceptions

        def describe_document(self, **_):
            raise RuntimeError("throttled")

    load_handler()["handler"](event("Create", broken), None, ssm=Exploding(), send=responses)
    assert responses[0]["status"] == "FAILED"
    assert "RuntimeError: throttled" in responses[0]["reason"]


def test_restore_types_turns_strings_back_into_booleans():
    restored = load_handler()["restore_types"](content())
    inputs = restored["inputs"]
    assert inputs["s3EncryptionEnabled"] is True
    assert inputs["runAsEnabled"] is False
    assert inputs["idleSessionTimeout"] == "20", "timeouts stay strings"
