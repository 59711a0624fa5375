"""Opt-in options on the emulator: a locked, lifecycled, access-logged bucket,
and the operator policy in a member account."""
import json
import urllib.parse

import pytest

from conftest import REPO_EXAMPLES, TRUST, member_parameters, record_gap
from harness import smlog

REGION = "eu-central-1"
EXAMPLE = REPO_EXAMPLES / "retention-and-operators.yaml"


@pytest.fixture(scope="module")
def locked(aws, workdir):
    folder = workdir / "options"
    folder.mkdir()
    # Native preferences: the emulator cannot run the upsert mode's Lambda function.
    (folder / "smlog.yaml").write_text(EXAMPLE.read_text() + "member:\n  preferences: native\n")
    here = aws.in_region(REGION)
    here("s3api", "create-bucket", "--bucket", "example-access-logs",
         "--create-bucket-configuration", f"LocationConstraint={REGION}")
    template = folder / "central.yaml"
    template.write_text(smlog("synth", cwd=folder))
    outputs = here.deploy("smlog-locked", template, {"OrganizationId": "o-a1b2c3d4e5"})
    member_template = folder / "member.yaml"
    member_template.write_text(smlog("synth", "member", cwd=folder))
    return {"aws": here, "outputs": outputs, "folder": folder, "member_template": member_template}


def answer_or_gap(aws, what, covered_by, *command):
    result = aws.run(*command, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        record_gap(f"{what} ({result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'no answer'})", covered_by)
        return None
    return json.loads(result.stdout)


def test_object_lock_default_retention(locked):
    answer = answer_or_gap(locked["aws"], "Object Lock default retention", "rule bucket_object_lock_has_default_retention",
                           "s3api", "get-object-lock-configuration", "--bucket", locked["outputs"]["BucketName"])
    if answer is not None:
        configuration = answer["ObjectLockConfiguration"]
        assert configuration["ObjectLockEnabled"] == "Enabled"
        assert configuration["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Years": 7}


def test_lifecycle_moves_and_expires_only_old_versions(locked):
    answer = answer_or_gap(locked["aws"], "bucket lifecycle rules", "rule bucket_lifecycle_keeps_current_logs",
                           "s3api", "get-bucket-lifecycle-configuration", "--bucket", locked["outputs"]["BucketName"])
    if answer is not None:
        [rule] = answer["Rules"]
        assert rule["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER"}]
        assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
        assert "Expiration" not in rule


def test_server_access_logs_go_to_the_named_bucket(locked):
    answer = answer_or_gap(locked["aws"], "server access logging", "the golden template",
                           "s3api", "get-bucket-logging", "--bucket", locked["outputs"]["BucketName"])
    if answer is not None:
        assert answer["LoggingEnabled"]["TargetBucket"] == "example-access-logs"
        assert answer["LoggingEnabled"]["TargetPrefix"] == "session-manager-logs/"


def test_the_operator_policy_in_a_member_account(aws, org, locked):
    member = aws.as_account(org["accounts"][0]).in_region(REGION)
    member("iam", "create-role", "--role-name", "SessionOperators", "--assume-role-policy-document", TRUST)
    parameters = {**member_parameters(locked), "OperatorRoleNames": "SessionOperators", "IamRegion": REGION}
    member.deploy("smlog-member-operators", locked["member_template"], parameters, capabilities=["CAPABILITY_IAM"])
    arn = member.stack_resources("smlog-member-operators")["SessionOperatorPolicy"]
    version = member("iam", "get-policy", "--policy-arn", arn)["Policy"]["DefaultVersionId"]
    document = member("iam", "get-policy-version", "--policy-arn", arn, "--version-id", version)["PolicyVersion"]["Document"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    statements = {s["Sid"]: s for s in document["Statement"]}
    start = statements["StartSessionsWithLoggingPreferences"]
    assert start["Condition"] == {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": True}}
    assert f"arn:aws:ssm:*:{org['accounts'][0]}:document/SSM-SessionManagerRunShell" in start["Resource"]
    assert statements["EncryptSessionData"]["Resource"] == [locked["outputs"]["SessionKeyArn"]]
    assert statements["ResumeAndEndOwnSessions"]["Resource"] == [
        f"arn:aws:ssm:*:{org['accounts'][0]}:session/${{aws:userid}}-*"]
    assert statements["ProtectLoggingPreferences"]["Effect"] == "Deny"
    attached = member("iam", "list-attached-role-policies", "--role-name", "SessionOperators")["AttachedPolicies"]
    assert arn in [p["PolicyArn"] for p in attached]


def test_cloudwatch_streaming_in_a_member_account(aws, org, central, workdir):
    folder = workdir / "cloudwatch"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        (REPO_EXAMPLES / "cloudwatch.yaml").read_text() + "member:\n  preferences: native\n")
    template = folder / "member.yaml"
    template.write_text(smlog("synth", "member", cwd=folder))
    account = org["accounts"][1]
    member = aws.as_account(account).in_region(REGION)
    parameters = {**member_parameters(central), "IamRegion": REGION}
    member.deploy("smlog-member-cloudwatch", template, parameters, capabilities=["CAPABILITY_IAM"])
    resources = member.stack_resources("smlog-member-cloudwatch")
    groups = member("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/ssm/session-manager")["logGroups"]
    [group] = groups
    assert group["retentionInDays"] == 365
    if "kmsKeyId" in group:
        assert group["kmsKeyId"].endswith(f"key/{resources['SessionLogsKey']}"), group["kmsKeyId"]
    else:
        record_gap("the log group's KMS key", "rule cloudwatch_log_group_encrypted_and_retained")
    document = member("ssm", "get-document", "--name", "SSM-SessionManagerRunShell", "--document-format", "JSON")
    inputs = json.loads(document["Content"])["inputs"] if isinstance(document["Content"], str) else document["Content"]["inputs"]
    assert inputs["cloudWatchLogGroupName"] == "/aws/ssm/session-manager"
    assert inputs["cloudWatchStreamingEnabled"] is True
    assert inputs["cloudWatchEncryptionEnabled"] is True
    assert inputs["s3KeyPrefix"] == f"{account}/{REGION}"
