"""Opt-in options on the emulator: a locked, lifecycled, access-logged,
replicated bucket, the operator policy and CloudWatch streaming in member accounts."""
import json
import urllib.parse

import pytest

from conftest import REPO_EXAMPLES, TRUST, member_parameters, record_gap
from harness import smlog

REGION = "eu-central-1"
REPLICA_REGION = "eu-west-1"
EXAMPLE = REPO_EXAMPLES / "retention-and-operators.yaml"


@pytest.fixture(scope="module")
def locked(aws, workdir):
    """The example deployed in order: the replica stack in its Region, then central."""
    folder = workdir / "options"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(EXAMPLE.read_text())
    here = aws.in_region(REGION)
    here("s3api", "create-bucket", "--bucket", "example-access-logs",
         "--create-bucket-configuration", f"LocationConstraint={REGION}")
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    replica = aws.in_region(REPLICA_REGION).deploy("smlog-replica", folder / "templates/replica.yaml")
    outputs = here.deploy("smlog-locked", folder / "templates/central.yaml", {
        "OrganizationId": "o-a1b2c3d4e5", "ReplicaKeyArn": replica["ReplicaKeyArn"],
        "ReplicaBucketName": replica["ReplicaBucketName"]}, capabilities=["CAPABILITY_IAM"])
    return {"aws": here, "outputs": outputs, "folder": folder, "replica": replica,
            "member_template": folder / "stacksets/member.yaml",
            "resources": here.stack_resources("smlog-locked")}


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


def test_the_replica_logs_its_access_into_a_target_in_its_own_region(locked):
    replica_region = locked["aws"].in_region(REPLICA_REGION)
    target = replica_region.stack_resources("smlog-replica")["AccessLogBucket"]
    rules = replica_region("s3api", "get-bucket-encryption", "--bucket", target)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert "AccessLogBucket" not in locked["resources"], "the central stack logs into the named bucket"


def test_the_operator_policy_in_a_member_account(aws, spare_account, locked):
    account = spare_account()
    member = aws.as_account(account).in_region(REGION)
    member("iam", "create-role", "--role-name", "SessionOperators", "--assume-role-policy-document", TRUST)
    parameters = {**member_parameters(locked), "OperatorRoleNames": "SessionOperators", "IamRegion": REGION}
    member.deploy("smlog-member-operators", locked["member_template"], parameters, capabilities=["CAPABILITY_NAMED_IAM"])
    arn = member.stack_resources("smlog-member-operators")["SessionOperatorPolicy"]
    version = member("iam", "get-policy", "--policy-arn", arn)["Policy"]["DefaultVersionId"]
    document = member("iam", "get-policy-version", "--policy-arn", arn, "--version-id", version)["PolicyVersion"]["Document"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    statements = {s["Sid"]: s for s in document["Statement"]}
    start = statements["StartSessionsWithLoggingPreferences"]
    assert start["Condition"] == {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": True}}
    assert f"arn:aws:ssm:*:{account}:document/SSM-SessionManagerRunShell" in start["Resource"]
    assert statements["EncryptSessionData"]["Resource"] == [locked["outputs"]["SessionKeyArn"]]
    # A session is the operator's own when its session-id tag is their user id.
    resume = statements["ResumeAndEndOwnSessions"]
    assert resume["Resource"] == [f"arn:aws:ssm:*:{account}:session/*"]
    assert resume["Condition"] == {"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}}
    assert statements["ProtectLoggingPreferences"]["Effect"] == "Deny"
    attached = member("iam", "list-attached-role-policies", "--role-name", "SessionOperators")["AttachedPolicies"]
    assert arn in [p["PolicyArn"] for p in attached]


def test_cloudwatch_streaming_in_a_member_account(aws, spare_account, central, workdir):
    folder = workdir / "cloudwatch"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        (REPO_EXAMPLES / "cloudwatch.yaml").read_text())
    template = folder / "member.yaml"
    template.write_text(smlog("synth", "member", cwd=folder))
    account = spare_account()
    member = aws.as_account(account).in_region(REGION)
    parameters = {**member_parameters(central), "IamRegion": REGION}
    member.deploy("smlog-member-cloudwatch", template, parameters, capabilities=["CAPABILITY_NAMED_IAM"])
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


def test_the_log_bucket_replicates_to_the_replica_bucket(locked):
    replica = locked["replica"]
    role = locked["aws"]("iam", "get-role", "--role-name", locked["resources"]["ReplicationRole"])["Role"]
    assert role["Path"] == "/smlog/"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] in ("s3.amazonaws.com", ["s3.amazonaws.com"])
    answer = answer_or_gap(locked["aws"], "bucket replication", "rule bucket_replication_keeps_logs",
                           "s3api", "get-bucket-replication", "--bucket", locked["outputs"]["BucketName"])
    if answer is not None:
        [rule] = answer["ReplicationConfiguration"]["Rules"]
        assert rule["Status"] == "Enabled"
        assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{replica['ReplicaBucketName']}"
        assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": replica["ReplicaKeyArn"]}
        assert rule["SourceSelectionCriteria"]["SseKmsEncryptedObjects"] == {"Status": "Enabled"}
        assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
        assert answer["ReplicationConfiguration"]["Role"] == role["Arn"]


def test_the_replica_is_locked_like_the_source(locked):
    replica_region = locked["aws"].in_region(REPLICA_REGION)
    answer = answer_or_gap(replica_region, "the replica's Object Lock", "rule bucket_object_lock_has_default_retention",
                           "s3api", "get-object-lock-configuration", "--bucket", locked["replica"]["ReplicaBucketName"])
    if answer is not None:
        assert answer["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Years": 7}
