"""An account's life with the member stack, each step in an account of its
own: a role created later, an update, preferences that were there before,
and removal. After each step, sessions either log as configured or the
preferences no longer ask for logging (so sessions still start)."""
import json
import time

import pytest

from conftest import REPO_EXAMPLES, TRUST, deploy_member, holders, instance_profile_role, preferences, record_gap

DOCUMENT = "SSM-SessionManagerRunShell"
# Preferences a team had before smlog: their own bucket, a longer idle timeout.
BEFORE = {
    "schemaVersion": "1.0", "description": "team preferences", "sessionType": "Standard_Stream",
    "inputs": {"s3BucketName": "team-bucket", "s3KeyPrefix": "", "s3EncryptionEnabled": False,
               "cloudWatchLogGroupName": "", "cloudWatchEncryptionEnabled": False,
               "cloudWatchStreamingEnabled": False, "kmsKeyId": "", "runAsEnabled": False,
               "runAsDefaultUser": "", "idleSessionTimeout": "60", "maxSessionDuration": "",
               "shellProfile": {"windows": "", "linux": ""}},
}


def delete_stack(aws, stack):
    stack_id = aws("cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"][0]["StackId"]
    aws("cloudformation", "delete-stack", "--stack-name", stack)
    aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack_id)
    return aws("cloudformation", "describe-stacks", "--stack-name", stack_id)["Stacks"][0]["StackStatus"]


def delete_what_moto_keeps(aws, policy_arn):
    """moto leaves a stack's AWS::IAM::ManagedPolicy behind; CloudFormation deletes it."""
    if aws.run("iam", "get-policy", "--policy-arn", policy_arn, check=False).returncode == 0:
        record_gap("deleting an AWS::IAM::ManagedPolicy with its stack (moto keeps it)",
                   "CloudFormation itself; the detachment it needs first is checked here")
        aws("iam", "delete-policy", "--policy-arn", policy_arn)


def has_document(aws):
    return aws.run("ssm", "describe-document", "--name", DOCUMENT, check=False).returncode == 0


@pytest.fixture(scope="module")
def living(aws, spare_account, central, workdir):
    """A default member stack in a fresh account with one instance role."""
    account = aws.as_account(spare_account())
    instance_profile_role(account, "WebServers")
    return deploy_member(account, workdir / "living", "{}\n", central)


def test_a_role_created_later_gets_the_policy_at_the_next_scheduled_run(living):
    aws, resources = living["aws"], living["resources"]
    policy = living["outputs"]["AgentPolicyArn"]
    instance_profile_role(aws, "BatchWorkers")
    assert holders(aws, policy) == ["WebServers"]

    rule = aws("events", "describe-rule", "--name", resources["AttachmentSchedule"])
    assert rule["ScheduleExpression"] == "rate(15 minutes)" and rule["State"] == "ENABLED"
    [target] = aws("events", "list-targets-by-rule", "--rule", resources["AttachmentSchedule"])["Targets"]
    # What EventBridge does every 15 minutes: invoke the handler with the rule's input.
    out = living["template"].with_name("reconcile.json")
    aws("lambda", "invoke", "--function-name", target["Arn"], "--payload", target["Input"], str(out))
    # The DHMC role is attached where it exists; this account has none.
    assert json.loads(out.read_text()) == {"attached": 2, "skipped": 1}
    assert holders(aws, policy) == ["BatchWorkers", "WebServers"]


def test_an_update_that_names_another_role_attaches_it(living):
    aws = living["aws"]
    aws("iam", "create-role", "--role-name", "Appliance", "--assume-role-policy-document", TRUST)
    parameters = {**living["parameters"], "AgentRoleNames": "Appliance"}
    aws("cloudformation", "update-stack", "--stack-name", living["stack"], "--template-body",
        f"file://{living['template']}", "--capabilities", "CAPABILITY_NAMED_IAM",
        "--parameters", *[f"ParameterKey={k},ParameterValue={v}" for k, v in parameters.items()])
    aws("cloudformation", "wait", "stack-update-complete", "--stack-name", living["stack"])
    assert "Appliance" in holders(aws, living["outputs"]["AgentPolicyArn"])
    assert preferences(aws)["inputs"]["s3EncryptionEnabled"] is True


def test_removal_detaches_the_policy_and_turns_logging_off(living, central):
    aws = living["aws"]
    policy = living["outputs"]["AgentPolicyArn"]
    assert preferences(aws)["inputs"]["s3BucketName"] == central["outputs"]["BucketName"]
    assert delete_stack(aws, living["stack"]) == "DELETE_COMPLETE"
    delete_what_moto_keeps(aws, policy)
    for role in ("WebServers", "BatchWorkers", "Appliance"):
        assert aws("iam", "list-attached-role-policies", "--role-name", role)["AttachedPolicies"] == []
    # No preferences existed before smlog: its logging settings are cleared, so
    # sessions no longer ask for an encrypted upload the roles cannot make.
    inputs = preferences(aws)["inputs"]
    assert (inputs["s3BucketName"], inputs["kmsKeyId"], inputs["s3EncryptionEnabled"]) == ("", "", False)


def test_preferences_that_were_there_before_are_taken_over_and_given_back(aws, spare_account, central, workdir):
    account = aws.as_account(spare_account())
    account("ssm", "create-document", "--name", DOCUMENT, "--document-type", "Session",
            "--document-format", "JSON", "--content", json.dumps(BEFORE))
    deployed = deploy_member(account, workdir / "upsert", "{}\n", central)
    inputs = preferences(account)["inputs"]
    assert inputs["s3BucketName"] == central["outputs"]["BucketName"]
    assert inputs["idleSessionTimeout"] == "20"

    assert delete_stack(account, deployed["stack"]) == "DELETE_COMPLETE"
    described = account("ssm", "describe-document", "--name", DOCUMENT)["Document"]
    assert described["DefaultVersion"] == "1"
    assert preferences(account) == BEFORE


def test_native_mode_refuses_an_account_that_already_has_preferences(aws, spare_account, central, workdir):
    # Why upsert is the default: a second AWS::SSM::Document of that name cannot be created.
    account = aws.as_account(spare_account())
    account("ssm", "create-document", "--name", DOCUMENT, "--document-type", "Session",
            "--document-format", "JSON", "--content", json.dumps(BEFORE))
    with pytest.raises(AssertionError) as refused:
        deploy_member(account, workdir / "native-refused", "member:\n  preferences: native\n", central)
    assert "DocumentAlreadyExists" in str(refused.value) or "ROLLBACK" in str(refused.value), refused.value
    assert preferences(account) == BEFORE


def test_native_removal_deletes_the_document(aws, spare_account, central, workdir):
    account = aws.as_account(spare_account())
    deployed = deploy_member(account, workdir / "native", "member:\n  preferences: native\n", central)
    assert preferences(account)["inputs"]["s3BucketName"] == central["outputs"]["BucketName"]
    assert delete_stack(account, deployed["stack"]) == "DELETE_COMPLETE"
    assert not has_document(account)


def test_an_account_added_back_adopts_the_log_group_it_kept(aws, spare_account, central, workdir):
    # CloudWatch Logs on: the group outlives the stack, and its name is unique
    # in the account and Region, so the second deployment must adopt it.
    account = aws.as_account(spare_account())
    config = (REPO_EXAMPLES / "cloudwatch.yaml").read_text()
    first = deploy_member(account, workdir / "cloudwatch-first", config, central)
    group = "/aws/ssm/session-manager"
    account("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s-1")
    account("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s-1",
            "--log-events", f"timestamp={int(time.time() * 1000)},message=kept")
    assert delete_stack(account, first["stack"]) == "DELETE_COMPLETE"
    delete_what_moto_keeps(account, first["outputs"]["AgentPolicyArn"])
    [kept] = account("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]

    again = deploy_member(account, workdir / "cloudwatch-again", config, central, stack="smlog-member-again")
    [adopted] = account("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
    assert adopted["logGroupName"] == group and adopted["retentionInDays"] == 365
    assert adopted["kmsKeyId"] != kept["kmsKeyId"]
    assert adopted["kmsKeyId"].endswith(f"key/{again['resources']['SessionLogsKey']}")
    events = account("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "s-1")["events"]
    assert [e["message"] for e in events] == ["kept"]
    assert preferences(account)["inputs"]["cloudWatchLogGroupName"] == group
