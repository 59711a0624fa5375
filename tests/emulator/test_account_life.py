"""An account's life with its controller, each story in an account of its
own: roles added later (picked up by the repair schedule and by IAM's
event), roles that cannot take the policy, preferences edited by hand,
removal, and an account removed and added back. After every step, sessions
either log as configured or the preferences no longer ask for logging."""
import json
import time

import pytest

from conftest import (ATTACHED_TAG, CONTROLLER, DOCUMENT, IAM_EVENT, REFUSE_TAG, REGIONS, SCHEDULE, Member,
                      collect_reports, controller_log, delete_stack, example, holders, instance_profile_role,
                      logging_as_configured, logging_to, preferences, preferences_outcomes, reports, role, stack_status,
                      stack_event, two_regions)

# Preferences a team had in eu-west-1 before smlog: their own bucket, a longer idle timeout.
BEFORE = {
    "schemaVersion": "1.0", "description": "team preferences", "sessionType": "Standard_Stream",
    "inputs": {"s3BucketName": "team-bucket", "s3KeyPrefix": "", "s3EncryptionEnabled": False,
               "cloudWatchLogGroupName": "", "cloudWatchEncryptionEnabled": False,
               "cloudWatchStreamingEnabled": False, "kmsKeyId": "", "runAsEnabled": False,
               "runAsDefaultUser": "", "idleSessionTimeout": "60", "maxSessionDuration": "",
               "shellProfile": {"windows": "", "linux": ""}},
}
QUOTA_FAILURE = "at its quota of managed policies: sessions on its nodes fail until one is removed"


def last_deployment_run(member):
    """The report of the controller's run for the stack's latest create or update."""
    return [r for r in controller_log(member.aws) if r.get("trigger", "").startswith("CloudFormation")][-1]


def attached_policies(aws, name):
    return [p["PolicyName"] for p in aws("iam", "list-attached-role-policies", "--role-name", name)["AttachedPolicies"]]


def tags(aws, name):
    return {t["Key"]: t["Value"] for t in aws("iam", "list-role-tags", "--role-name", name)["Tags"]}


# ---------------------------------------------------------------- roles added later, drift


@pytest.fixture(scope="module")
def living(spare_account, values, workdir):
    """A default two-Region member stack in a fresh account with one instance role."""
    aws = spare_account()
    instance_profile_role(aws, "WebServers")
    return Member(aws, workdir / "living", values).deploy(two_regions())


def test_each_trigger_targets_the_controller(living):
    # What EventBridge would invoke; the invocations themselves are emulated below.
    aws = living.aws
    function = aws("lambda", "get-function", "--function-name", CONTROLLER)["Configuration"]["FunctionArn"]
    schedule = aws("events", "describe-rule", "--name", "smlog-repair-schedule")
    assert (schedule["ScheduleExpression"], schedule["State"]) == ("rate(6 hours)", "ENABLED")
    pattern = json.loads(aws("events", "describe-rule", "--name", "smlog-iam-role-events")["EventPattern"])
    assert pattern["source"] == [IAM_EVENT["source"]] and pattern["detail-type"] == [IAM_EVENT["detail-type"]]
    assert IAM_EVENT["detail"]["eventName"] in pattern["detail"]["eventName"]
    for rule in ("smlog-repair-schedule", "smlog-iam-role-events", "smlog-own-stack-events"):
        [target] = aws("events", "list-targets-by-rule", "--rule", rule)["Targets"]
        assert target["Arn"] == function, rule


def test_a_role_added_later_gets_the_policy_at_the_next_scheduled_run(living):
    aws = living.aws
    instance_profile_role(aws, "BatchWorkers")
    assert "BatchWorkers" not in holders(aws, living.agent_policy)
    report = living.run(SCHEDULE)
    assert report["trigger"] == "Scheduled Event"
    assert report["roles"] == {"BatchWorkers": ["agent policy attached (instance profile)"]}
    assert "BatchWorkers" in holders(aws, living.agent_policy)
    assert preferences_outcomes(report["regions"]) == {region: "unchanged" for region in REGIONS}


def test_a_role_added_later_gets_the_policy_on_iams_event(living):
    aws = living.aws
    instance_profile_role(aws, "QueueWorkers")
    report = living.run(IAM_EVENT)
    assert report["trigger"] == "AWS API Call via CloudTrail"
    assert report["roles"] == {"QueueWorkers": ["agent policy attached (instance profile)"]}
    assert "QueueWorkers" in holders(aws, living.agent_policy)


def test_preferences_edited_by_hand_are_repaired_by_the_next_run(living, central):
    here = living.aws.in_region("eu-west-1")
    edited = preferences(here)
    edited["inputs"].update(s3BucketName="", s3EncryptionEnabled=False)
    version = here("ssm", "update-document", "--name", DOCUMENT, "--document-format", "JSON",
                   "--document-version", "$LATEST", "--content", json.dumps(edited))["DocumentDescription"]["DocumentVersion"]
    here("ssm", "update-document-default-version", "--name", DOCUMENT, "--document-version", version)
    assert logging_to(living.aws)["eu-west-1"] == ("", f"{living.account}/eu-west-1", False)

    report = living.run(SCHEDULE)
    assert preferences_outcomes(report["regions"]) == {"eu-west-1": "preferences repaired", "us-east-1": "unchanged"}
    assert logging_to(living.aws) == logging_as_configured(central["outputs"]["BucketName"], living.account)
    assert living.run(SCHEDULE)["changed"] is False, "a repaired account is left alone"


def test_its_own_stack_settling_makes_it_converge(living):
    # After an update or a rollback, the stack's status event starts a run.
    aws = living.aws
    edited = preferences(aws)
    edited["inputs"]["kmsKeyId"] = ""
    version = aws("ssm", "update-document", "--name", DOCUMENT, "--document-format", "JSON",
                  "--document-version", "$LATEST", "--content", json.dumps(edited))["DocumentDescription"]["DocumentVersion"]
    aws("ssm", "update-document-default-version", "--name", DOCUMENT, "--document-version", version)
    pattern = json.loads(aws("events", "describe-rule", "--name", "smlog-own-stack-events")["EventPattern"])
    assert pattern["detail"]["stack-id"] == [living.stack_id]

    report = living.run(stack_event(living.stack_id, "UPDATE_ROLLBACK_COMPLETE"))
    assert report["trigger"] == "CloudFormation Stack Status Change"
    assert preferences_outcomes(report["regions"])["us-east-1"] == "preferences repaired"
    assert preferences(aws)["inputs"]["kmsKeyId"] != ""


# ---------------------------------------------------------------- roles that cannot take the policy


@pytest.fixture(scope="module")
def troubled(spare_account, values, workdir):
    """Six instance roles: four that take the policy, one whose attachment
    is refused (AccessDenied), and one already holding ten managed policies."""
    aws = spare_account()
    for name in ("App1", "App2", "App3", "App4"):
        instance_profile_role(aws, name)
    instance_profile_role(aws, "Locked", tags=[(REFUSE_TAG, "true")])
    instance_profile_role(aws, "Crowded")
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})
    for i in range(10):
        arn = aws("iam", "create-policy", "--policy-name", f"baseline-{i}", "--policy-document", document)["Policy"]["Arn"]
        aws("iam", "attach-role-policy", "--role-name", "Crowded", "--policy-arn", arn)
    return Member(aws, workdir / "troubled", values).deploy(two_regions())


def test_one_role_refusing_the_policy_does_not_stop_the_other_four(troubled, central):
    assert troubled.status == "CREATE_COMPLETE"
    held = holders(troubled.aws, troubled.agent_policy)
    assert {"App1", "App2", "App3", "App4"} <= set(held) and "Locked" not in held
    [outcome] = last_deployment_run(troubled)["roles"]["Locked"]
    assert outcome.startswith("not attached: AccessDenied"), outcome
    # The four roles' sessions log: the preferences are written all the same.
    assert logging_to(troubled.aws) == logging_as_configured(central["outputs"]["BucketName"], troubled.account)


def test_a_role_at_its_quota_is_reported_and_the_others_attached(troubled):
    assert "Crowded" not in holders(troubled.aws, troubled.agent_policy)
    assert len(attached_policies(troubled.aws, "Crowded")) == 10
    report = last_deployment_run(troubled)
    assert report["roles"]["Crowded"] == [QUOTA_FAILURE]
    assert report["failed"] is True
    # The stack says which roles need someone: these two, and only these.
    assert troubled.outputs["ControllerRolesNeedingAttention"] == "Crowded, Locked"


def test_the_next_run_reports_them_again(troubled):
    report = troubled.run(SCHEDULE)
    assert report["roles"]["Crowded"] == [QUOTA_FAILURE] and report["failed"] is True
    assert set(report["roles"]) == {"Crowded", "Locked"}, "the others need nothing"


# ---------------------------------------------------------------- removal


def test_removal_gives_every_region_back_and_detaches_from_every_role(spare_account, values, workdir):
    aws = spare_account()
    collect_reports(aws)
    team = aws.in_region("eu-west-1")
    team("ssm", "create-document", "--name", DOCUMENT, "--document-type", "Session",
         "--document-format", "JSON", "--content", json.dumps(BEFORE))
    instance_profile_role(aws, "WebServers")
    role(aws, "Appliance")
    leaving = Member(aws, workdir / "leaving", values).deploy(two_regions(
        "member:\n  attach:\n    role_names: [Appliance]\n"))
    instance_profile_role(aws, "LateWorkers")
    leaving.run(SCHEDULE)  # a role a later run attached goes too
    assert holders(aws, leaving.agent_policy) == ["Appliance", "LateWorkers", "WebServers"]
    assert logging_to(aws)["eu-west-1"][0] != "team-bucket"

    assert delete_stack(aws, leaving.stack) == "DELETE_COMPLETE"
    # eu-west-1: the team's version, in force again; us-east-1 had none, so
    # smlog's logging settings are cleared (sessions no longer ask for an
    # encrypted upload their roles cannot make).
    assert preferences(team) == BEFORE
    assert team("ssm", "describe-document", "--name", DOCUMENT)["Document"]["DefaultVersion"] == "1"
    inputs = preferences(aws)["inputs"]
    assert (inputs["s3BucketName"], inputs["kmsKeyId"], inputs["s3EncryptionEnabled"]) == ("", "", False)
    for name in ("Appliance", "LateWorkers", "WebServers"):
        assert attached_policies(aws, name) == [], name
        assert ATTACHED_TAG not in tags(aws, name), name
    # What it reported to the account's event bus (its own log group went with the stack).
    [removal] = [r for r in reports(aws) if r["trigger"] == "CloudFormation Delete"]
    assert preferences_outcomes(removal["regions"]) == {"eu-west-1": "restored version 1",
                                                        "us-east-1": "logging settings cleared"}
    assert removal["account"] == leaving.account and removal["failed"] is False


# ---------------------------------------------------------------- an account removed and added back


def test_an_account_added_back_adopts_the_log_group_it_kept(spare_account, values, workdir):
    # CloudWatch Logs on: the group outlives the account's stacks (its logs
    # stay), and its name is unique in the account and Region, so the
    # controller of the account added back adopts it, with the new key.
    aws = spare_account()
    config = example("cloudwatch", rollout={"regions": REGIONS})
    group = "/aws/ssm/session-manager"
    first = Member(aws, workdir / "cloudwatch-first", values)
    first.deploy_regional(config)
    first.deploy(config)
    for region in REGIONS:
        here = aws.in_region(region)
        [made] = here("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
        assert made["retentionInDays"] == 365
        assert made["kmsKeyId"].endswith(f"key/{here.stack_resources('smlog-member-regional')['SessionLogsKey']}")
    aws("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s-1")
    aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s-1",
        "--log-events", f"timestamp={int(time.time() * 1000)},message=kept")

    # The account leaves the OU: both StackSets delete its stacks.
    assert delete_stack(aws, first.stack) == "DELETE_COMPLETE"
    for region in REGIONS:
        assert delete_stack(aws.in_region(region), "smlog-member-regional") == "DELETE_COMPLETE"
    [kept] = aws("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]

    # And comes back: its regional stacks are made again, then its controller.
    again = Member(aws, workdir / "cloudwatch-again", values, stack="smlog-member-again")
    again.deploy_regional(config)
    assert stack_status(aws, "smlog-member-regional") == "CREATE_COMPLETE"
    again.deploy(config)
    new_key = aws.stack_resources("smlog-member-regional")["SessionLogsKey"]
    [adopted] = aws("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
    assert adopted["logGroupName"] == group and adopted["retentionInDays"] == 365
    assert adopted["kmsKeyId"] != kept["kmsKeyId"] and adopted["kmsKeyId"].endswith(f"key/{new_key}")
    events = aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "s-1")["events"]
    assert [e["message"] for e in events] == ["kept"]
    assert preferences(aws)["inputs"]["cloudWatchLogGroupName"] == group
