"""The member stack's handler, exactly as the committed member template carries
it (the ZipFile of stacksets/member.yaml), against moto's in-process IAM and SSM."""
import copy
import json
import pathlib
import sys

import boto3
import pytest
import yaml
from moto import mock_aws

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "emulator"))
import moto_additions  # noqa: E402  (what moto lacks, as the emulator adds it)

moto_additions.install()
NAME = "SSM-SessionManagerRunShell"
DHMC = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def handler_source():
    member = yaml.safe_load((REPO / "stacksets" / "member.yaml").read_text())
    return member["Resources"]["SmlogHandler"]["Properties"]["Code"]["ZipFile"]


def load_handler():
    namespace = {"__name__": "index"}
    exec(compile(handler_source(), "index.py", "exec"), namespace)
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


def theirs(bucket="someone-elses-bucket"):
    """Preferences saved in the console before smlog came."""
    return {**content(bucket=bucket), "description": "Session Manager preferences"}


def event(request_type, resource_type, props, physical_id=None):
    event = {
        "RequestType": request_type,
        "ResponseURL": "http://127.0.0.1:1/unused",
        "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/member/1",
        "RequestId": "request-1",
        "LogicalResourceId": "Logical",
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:…", "ServiceTimeout": "660", **props},
    }
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    return event


class Responses(list):
    def __call__(self, event, status, reason, physical_id, data):
        self.append({"status": status, "reason": reason, "physical_id": physical_id, "data": data})


class Context:
    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


@pytest.fixture
def aws(monkeypatch):
    for var, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(var, value)
    with mock_aws():
        yield {"iam": boto3.client("iam"), "ssm": boto3.client("ssm", region_name="us-east-1"),
               "logs": boto3.client("logs", region_name="us-east-1"), "kms": boto3.client("kms", region_name="us-east-1")}


def run(aws, request, context=None, clients=None):
    responses = Responses()
    load_handler()["handler"](request, context, clients=clients or aws.__getitem__, send=responses)
    assert len(responses) == 1, "exactly one answer reaches CloudFormation"
    return responses[0]


# ---------------------------------------------------------------- preferences

def preferences(aws, request_type, props, physical_id=None):
    return run(aws, event(request_type, "Custom::SessionPreferences",
                          {"DocumentName": NAME, "Content": copy.deepcopy(props)}, physical_id))


def default_content(ssm):
    doc = ssm.get_document(Name=NAME, DocumentFormat="JSON")
    return doc["DocumentVersion"], json.loads(doc["Content"])


def test_creates_the_document_when_missing_and_plans_to_clear_it(aws):
    response = preferences(aws, "Create", content())
    assert response["status"] == "SUCCESS", response
    assert response["reason"] == "created"
    assert response["physical_id"] == f"{NAME}|clear"
    version, body = default_content(aws["ssm"])
    assert version == "1"
    assert body["inputs"]["s3EncryptionEnabled"] is True, "booleans are booleans again"
    assert body["inputs"]["idleSessionTimeout"] == "20", "timeouts stay strings"


def test_updates_and_promotes_an_existing_document_and_plans_to_restore_it(aws):
    aws["ssm"].create_document(Name=NAME, Content=json.dumps(theirs()), DocumentType="Session",
                               DocumentFormat="JSON")
    response = preferences(aws, "Create", content())
    assert (response["status"], response["reason"]) == ("SUCCESS", "updated, promoted")
    assert response["physical_id"] == f"{NAME}|restore:1"
    version, body = default_content(aws["ssm"])
    assert (version, body["inputs"]["s3BucketName"]) == ("2", "central-logs")


def test_duplicate_content_is_not_an_error_and_a_stale_default_is_promoted(aws):
    created = preferences(aws, "Create", content())
    assert preferences(aws, "Update", content(), created["physical_id"])["reason"] == "unchanged"
    newer = content(idle="30")
    typed = load_handler()["typed"](copy.deepcopy(newer))
    aws["ssm"].update_document(Name=NAME, Content=json.dumps(typed, sort_keys=True),
                               DocumentVersion="$LATEST", DocumentFormat="JSON")
    response = preferences(aws, "Update", newer, created["physical_id"])
    assert response["reason"] == "unchanged, promoted"
    assert response["physical_id"] == created["physical_id"], "an update keeps the restore plan"
    assert default_content(aws["ssm"])[0] == "2"


def test_delete_restores_the_default_version_in_force_before_smlog(aws):
    aws["ssm"].create_document(Name=NAME, Content=json.dumps(theirs()), DocumentType="Session",
                               DocumentFormat="JSON")
    created = preferences(aws, "Create", content())
    preferences(aws, "Update", content(idle="45"), created["physical_id"])
    response = preferences(aws, "Delete", content(idle="45"), created["physical_id"])
    assert (response["status"], response["reason"]) == ("SUCCESS", "restored version 1")
    version, body = default_content(aws["ssm"])
    assert (version, body["inputs"]["s3BucketName"]) == ("1", "someone-elses-bucket")


def test_delete_of_a_document_smlog_created_removes_its_logging_settings(aws):
    created = preferences(aws, "Create", content())
    response = preferences(aws, "Delete", content(), created["physical_id"])
    assert response["status"] == "SUCCESS"
    assert response["reason"].startswith("logging settings cleared")
    _, body = default_content(aws["ssm"])
    inputs = body["inputs"]
    assert inputs["s3BucketName"] == "" and inputs["kmsKeyId"] == ""
    assert inputs["s3EncryptionEnabled"] is False and inputs["cloudWatchEncryptionEnabled"] is False
    assert inputs["idleSessionTimeout"] == "20", "settings other than logging stay"


def test_a_redeploy_over_smlogs_own_leftover_clears_rather_than_restores_it(aws):
    first = preferences(aws, "Create", content())
    # The stack went without its delete running; a new one finds smlog's own preferences.
    second = preferences(aws, "Create", content(idle="30"))
    assert second["physical_id"] == f"{NAME}|clear"
    preferences(aws, "Delete", content(idle="30"), second["physical_id"])
    assert default_content(aws["ssm"])[1]["inputs"]["s3BucketName"] == ""
    assert first["physical_id"] == f"{NAME}|clear"


def test_delete_leaves_preferences_someone_changed_since(aws):
    created = preferences(aws, "Create", content())
    changed = load_handler()["typed"](theirs(bucket="their-own-bucket"))
    aws["ssm"].update_document(Name=NAME, Content=json.dumps(changed), DocumentVersion="$LATEST",
                               DocumentFormat="JSON")
    aws["ssm"].update_document_default_version(Name=NAME, DocumentVersion="2")
    response = preferences(aws, "Delete", content(), created["physical_id"])
    assert "left alone" in response["reason"]
    assert default_content(aws["ssm"])[1]["inputs"]["s3BucketName"] == "their-own-bucket"


def test_a_rolled_back_create_that_wrote_nothing_deletes_nothing(aws):
    response = preferences(aws, "Delete", content(), "Logical")
    assert (response["status"], response["reason"]) == ("SUCCESS", "nothing was written")


def test_a_failed_create_still_leaves_the_plan_that_undoes_it(aws):
    class FailingPromotion:
        def __init__(self, ssm):
            self.ssm, self.exceptions = ssm, ssm.exceptions

        def __getattr__(self, name):
            return getattr(self.ssm, name)

        def update_document_default_version(self, **_):
            raise RuntimeError("throttled")

    aws["ssm"].create_document(Name=NAME, Content=json.dumps(theirs()),
                               DocumentType="Session", DocumentFormat="JSON")
    failing = FailingPromotion(aws["ssm"])
    response = run(aws, event("Create", "Custom::SessionPreferences",
                              {"DocumentName": NAME, "Content": content()}),
                   clients=lambda service: failing if service == "ssm" else aws[service])
    assert response["status"] == "FAILED"
    assert response["physical_id"] == f"{NAME}|restore:1", "the rollback's delete restores"


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_malformed_request_fails_at_once_with_a_reason(aws, request_type):
    for broken in ({}, {"DocumentName": NAME}, {"Content": "not a document"}):
        request = event(request_type, "Custom::SessionPreferences", broken, "x|clear")
        response = run(aws, request)
        assert response["status"] == "FAILED", (request_type, broken)
        assert response["reason"].split(":")[0] in ("KeyError", "AttributeError", "TypeError")
    no_properties = event("Create", "Custom::SessionPreferences", {})
    del no_properties["ResourceProperties"]
    assert run(aws, no_properties)["status"] == "FAILED"
    unknown = event("Create", "Custom::Something", {})
    assert "unknown resource type" in run(aws, unknown)["reason"]


# ---------------------------------------------------------------- attachments

def make_policy(iam, name="smlog-session-manager-agent"):
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                        "Resource": "arn:aws:s3:::b/*"}]}
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]


def role(iam, name, path="/", profile=True):
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST)
    if profile:
        iam.create_instance_profile(InstanceProfileName=f"{name}-profile")
        iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-profile", RoleName=name)


def holders(iam, policy):
    return sorted(r["RoleName"] for r in iam.list_entities_for_policy(PolicyArn=policy)["PolicyRoles"])


def attachments(aws, request_type, props, clients=None):
    return run(aws, event(request_type, "Custom::PolicyAttachments", props), clients=clients)


def test_every_instance_profile_role_the_dhmc_role_and_existing_named_roles_get_the_policy(aws):
    iam = aws["iam"]
    policy = make_policy(iam)
    role(iam, "EC2-SSM-Core")
    role(iam, "WebServers")
    role(iam, "NotInAProfile", profile=False)
    role(iam, DHMC, path="/service-role/", profile=False)
    role(iam, "AWSServiceRoleForSomething", path="/aws-service-role/something.amazonaws.com/")
    response = attachments(aws, "Create", {"PolicyArn": policy, "InstanceProfileRoles": "true",
                                           "RoleNames": ["NotInAProfile", "MissingRole", ""],
                                           "DefaultHostManagementRole": "true"})
    assert response["status"] == "SUCCESS", response
    assert holders(iam, policy) == sorted(["EC2-SSM-Core", "WebServers", "NotInAProfile", DHMC])
    assert response["data"]["Attached"] == ", ".join(sorted(["EC2-SSM-Core", "WebServers", "NotInAProfile", DHMC]))
    skipped = response["data"]["Skipped"]
    assert "MissingRole (does not exist in this account)" in skipped
    assert "AWSServiceRoleForSomething (managed by AWS, cannot take a policy)" in skipped


def test_a_missing_named_role_is_reported_not_a_failure(aws):
    policy = make_policy(aws["iam"])
    response = attachments(aws, "Create", {"PolicyArn": policy, "InstanceProfileRoles": "false",
                                           "RoleNames": ["EC2-SSM-Core"], "DefaultHostManagementRole": "true"})
    assert response["status"] == "SUCCESS"
    assert response["data"]["Attached"] == "none"
    assert "EC2-SSM-Core (does not exist in this account)" in response["data"]["Skipped"]
    assert f"{DHMC} (does not exist in this account)" in response["data"]["Skipped"]


def test_a_role_at_its_policy_quota_is_skipped(aws):
    iam = aws["iam"]
    policy = make_policy(iam)
    role(iam, "Full")
    role(iam, "Roomy")

    class AtQuota:
        exceptions = iam.exceptions

        def __getattr__(self, name):
            return getattr(iam, name)

        def attach_role_policy(self, RoleName, PolicyArn):
            if RoleName == "Full":
                raise iam.exceptions.LimitExceededException(
                    {"Error": {"Code": "LimitExceeded", "Message": "Cannot exceed quota for PoliciesPerRole: 10"}},
                    "AttachRolePolicy")
            return iam.attach_role_policy(RoleName=RoleName, PolicyArn=PolicyArn)

    response = attachments(aws, "Create", {"PolicyArn": policy, "InstanceProfileRoles": "true",
                                           "RoleNames": [], "DefaultHostManagementRole": "false"},
                           clients=lambda service: AtQuota() if service == "iam" else aws[service])
    assert response["status"] == "SUCCESS"
    assert holders(iam, policy) == ["Roomy"]
    assert "Full (at its quota of managed policies)" in response["data"]["Skipped"]


def test_the_schedule_gives_a_role_created_later_the_policy(aws):
    iam = aws["iam"]
    policy = make_policy(iam)
    role(iam, "EC2-SSM-Core")
    props = {"PolicyArn": policy, "InstanceProfileRoles": "true", "RoleNames": "",
             "DefaultHostManagementRole": "true"}
    attachments(aws, "Create", props)
    role(iam, "LaunchedLater")
    iam.detach_role_policy(RoleName="EC2-SSM-Core", PolicyArn=policy)  # someone took it off
    # What the EventBridge schedule hands the function (its Input).
    result = load_handler()["handler"]({"Reconcile": props}, None, clients=aws.__getitem__)
    assert result == {"attached": 2, "skipped": 1}
    assert holders(iam, policy) == ["EC2-SSM-Core", "LaunchedLater"]


def test_delete_detaches_the_policy_everywhere(aws):
    iam = aws["iam"]
    policy = make_policy(iam)
    role(iam, "EC2-SSM-Core")
    props = {"PolicyArn": policy, "InstanceProfileRoles": "true", "RoleNames": [],
             "DefaultHostManagementRole": "false"}
    attachments(aws, "Create", props)
    response = attachments(aws, "Delete", props)
    assert (response["status"], response["reason"]) == ("SUCCESS", "detached")
    assert holders(iam, policy) == []
    iam.delete_policy(PolicyArn=policy)  # what CloudFormation does next succeeds


# ---------------------------------------------------------------- readiness

def test_ready_answers_once_the_agent_policy_exists(aws):
    policy = make_policy(aws["iam"])
    response = run(aws, event("Create", "Custom::AgentPolicyReady", {"PolicyArn": policy}), Context(600_000))
    assert (response["status"], response["reason"]) == ("SUCCESS", "the agent policy exists")


def test_ready_fails_in_time_when_the_iam_region_never_created_the_policy(aws):
    missing = "arn:aws:iam::123456789012:policy/smlog-session-manager-agent"
    response = run(aws, event("Create", "Custom::AgentPolicyReady", {"PolicyArn": missing}), Context(10_000))
    assert response["status"] == "FAILED"
    assert "deploy that Region first" in response["reason"]
    deleted = run(aws, event("Delete", "Custom::AgentPolicyReady", {"PolicyArn": missing}), Context(10_000))
    assert deleted["status"] == "SUCCESS", "a rollback is never blocked"


# ---------------------------------------------------------------- session log group

GROUP = "/aws/ssm/session-manager"


def log_group(aws, request_type, key_arn, retention="365", physical_id=None):
    return run(aws, event(request_type, "Custom::SessionLogGroup",
                          {"LogGroupName": GROUP, "RetentionInDays": retention, "KmsKeyArn": key_arn}, physical_id))


def described(logs):
    [group] = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    return group


def test_the_log_group_is_created_encrypted_and_kept_for_its_retention(aws):
    key = aws["kms"].create_key()["KeyMetadata"]["Arn"]
    response = log_group(aws, "Create", key)
    assert (response["status"], response["physical_id"], response["reason"]) == ("SUCCESS", GROUP, "created")
    group = described(aws["logs"])
    assert (group["kmsKeyId"], group["retentionInDays"]) == (key, 365)


def test_a_group_an_earlier_deployment_kept_is_adopted_with_the_new_key(aws):
    # An account removed (the group outlives its stack) and added back: a new key.
    old, new = (aws["kms"].create_key()["KeyMetadata"]["Arn"] for _ in range(2))
    log_group(aws, "Create", old)
    assert log_group(aws, "Delete", old, physical_id=GROUP)["reason"] == "retained with its logs"
    assert described(aws["logs"])["logGroupName"] == GROUP
    response = log_group(aws, "Create", new, retention="400")
    assert (response["status"], response["reason"]) == ("SUCCESS", "adopted from an earlier deployment")
    group = described(aws["logs"])
    assert (group["kmsKeyId"], group["retentionInDays"]) == (new, 400)
