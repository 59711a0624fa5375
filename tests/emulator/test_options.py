"""Opt-in options on the emulator: a locked, lifecycled, access-logged,
replicated bucket; in member accounts, the operator policy (attached by the
controller) and CloudWatch streaming (its key from the regional stack)."""
import json

import pytest

from conftest import (REPO_EXAMPLES, Member, example, holders, policy_document, preferences, record_gap,
                      role)
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


def test_the_controller_attaches_the_operator_policy_to_the_operators_role(spare_account, locked, workdir):
    aws = spare_account()
    role(aws, "SessionOperators")
    role(aws, "Developers")
    values = {name: locked["outputs"][name] for name in ("BucketName", "BucketKeyArn", "SessionKeyArn", "CentralAccountId")}
    member = Member(aws, workdir / "operators", values).deploy(EXAMPLE.read_text())
    arn = f"arn:aws:iam::{member.account}:policy/smlog-session-manager-operator"
    assert holders(aws, arn) == ["SessionOperators"]
    assert {"Key": "smlog:attached", "Value": "operator"} in aws("iam", "list-role-tags", "--role-name", "SessionOperators")["Tags"]
    statements = {s["Sid"]: s for s in policy_document(aws, arn)["Statement"]}
    start = statements["StartSessionsWithLoggingPreferences"]
    assert start["Condition"] == {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": True}}
    assert f"arn:aws:ssm:*:{member.account}:document/SSM-SessionManagerRunShell" in start["Resource"]
    assert statements["EncryptSessionData"]["Resource"] == [locked["outputs"]["SessionKeyArn"]]
    # A session is the operator's own when its session-id tag is their user id.
    resume = statements["ResumeAndEndOwnSessions"]
    assert resume["Resource"] == [f"arn:aws:ssm:*:{member.account}:session/*"]
    assert resume["Condition"] == {"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}}
    assert statements["ProtectLoggingPreferences"]["Effect"] == "Deny"


def test_cloudwatch_streaming_in_a_member_account(spare_account, values, workdir):
    # The log group's key comes from the regional stack, deployed first; the
    # controller creates the group with it and names it in the preferences.
    aws = spare_account()
    config = example("cloudwatch")
    member = Member(aws, workdir / "cloudwatch", values)
    member.deploy_regional(config, regions=["us-east-1"])
    member.deploy(config)
    key = aws.stack_resources("smlog-member-regional")["SessionLogsKey"]
    [group] = aws("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/ssm/session-manager")["logGroups"]
    assert group["retentionInDays"] == 365
    assert group["kmsKeyId"] == f"arn:aws:kms:us-east-1:{member.account}:key/{key}"
    inputs = preferences(aws)["inputs"]
    assert inputs["cloudWatchLogGroupName"] == "/aws/ssm/session-manager"
    assert inputs["cloudWatchStreamingEnabled"] is True
    assert inputs["cloudWatchEncryptionEnabled"] is True
    assert inputs["s3KeyPrefix"] == f"{member.account}/us-east-1"
    # The agent finds the group with DescribeLogGroups, which only "*" grants.
    statements = {s["Sid"]: s for s in policy_document(aws, member.agent_policy)["Statement"]}
    assert statements["FindLogGroups"]["Resource"] == ["*"]


def test_the_log_bucket_replicates_to_the_replica_bucket(locked):
    replica = locked["replica"]
    role = locked["aws"]("iam", "get-role", "--role-name", locked["resources"]["ReplicationRole"])["Role"]
    assert role["Path"] == "/smlog-central/"  # /smlog/ is the member roles' path, guarded by the guardrail
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
