"""The upgrade from the StackSet smlog wrote before the controller (a stack
per account AND Region, fixtures/member-per-region-2026-11.yaml) to the
controller (one stack per account, in the controller Region), with no
moment at which a session would fail or go unlogged: after every step, in
every account and Region, the preferences name the central bucket with
encryption on, and the instance role holds the agent policy."""
import pytest
import yaml

from conftest import (AGENT_POLICY, AGENT_ROLE, FIXTURES, REGIONS, create_account, failures, holders,
                      instance_profile_role, new_ou, preferences, record_gap, stack_status)
from harness import smlog

STACK_SET = "session-manager-logging-upgrade"
EARLIER = FIXTURES / "member-per-region-2026-11.yaml"


def cli_parameters(template, values):
    declared = yaml.safe_load(template.read_text())["Parameters"]
    return [f"ParameterKey={k},ParameterValue={v}" for k, v in values.items() if k in declared]


@pytest.fixture(scope="module")
def upgrading(aws, org, values, workdir):
    """Two accounts of their own OU, each with an instance role, under the
    earlier StackSet in both Regions (us-east-1 first: its stacks make the
    agent policy the other Region's stacks wait for)."""
    ou = new_ou(aws, org, "upgrading")
    accounts = [create_account(aws, name, org["root"], ou) for name in ("upgrade-a", "upgrade-b")]
    for account in accounts:
        instance_profile_role(aws.as_account(account), AGENT_ROLE)
    aws("cloudformation", "create-stack-set", "--stack-set-name", STACK_SET, "--template-body", f"file://{EARLIER}",
        "--permission-model", "SERVICE_MANAGED", "--auto-deployment", "Enabled=true,RetainStacksOnAccountRemoval=false",
        "--capabilities", "CAPABILITY_NAMED_IAM", "--parameters", *cli_parameters(EARLIER, values))
    operation = aws("cloudformation", "create-stack-instances", "--stack-set-name", STACK_SET,
                    "--deployment-targets", f"OrganizationalUnitIds={ou}", "--regions", *REGIONS)["OperationId"]
    assert aws("cloudformation", "describe-stack-set-operation", "--stack-set-name", STACK_SET,
               "--operation-id", operation)["StackSetOperation"]["Status"] == "SUCCEEDED"
    # The new member template for this rollout: the controller writes both
    # Regions; the session key moves to the multi-Region one, so the old
    # key stays allowed during the move.
    folder = workdir / "upgrade"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        f"member:\n  previous:\n    session_key_arn: {values['SessionKeyArn']}\n"
        f"rollout:\n  organizational_unit_ids: [{ou}]\n  regions: [{', '.join(REGIONS)}]\n")
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    return {"ou": ou, "accounts": accounts, "template": folder / "stacksets/member.yaml"}


def instance_stacks(aws, region=None):
    summaries = aws("cloudformation", "list-stack-instances", "--stack-set-name", STACK_SET)["Summaries"]
    return {(i["Account"], i["Region"]): i["StackId"] for i in summaries if region in (None, i["Region"])}


def assert_sessions_log(aws, upgrading, bucket):
    """Every account and Region: logging to the central bucket, encrypted, and the role can upload."""
    for account in upgrading["accounts"]:
        member = aws.as_account(account)
        for region in REGIONS:
            inputs = preferences(member.in_region(region))["inputs"]
            assert (inputs["s3BucketName"], inputs["s3EncryptionEnabled"]) == (bucket, True), (account, region)
        assert holders(member, f"arn:aws:iam::{account}:policy/{AGENT_POLICY}") == [AGENT_ROLE], account


def test_the_earlier_stack_set_logs_everywhere(aws, upgrading, values):
    assert set(instance_stacks(aws)) == {(a, r) for a in upgrading["accounts"] for r in REGIONS}
    assert_sessions_log(aws, upgrading, values["BucketName"])


def test_the_update_to_the_controller_never_stops_logging(aws, upgrading, values):
    template = upgrading["template"]
    aws("cloudformation", "update-stack-set", "--stack-set-name", STACK_SET, "--template-body", f"file://{template}",
        "--capabilities", "CAPABILITY_NAMED_IAM", "--parameters", *cli_parameters(template, values))
    described = aws("cloudformation", "describe-stack-set", "--stack-set-name", STACK_SET)["StackSet"]
    assert described["TemplateBody"] == template.read_text()
    # moto's update-stack-set changes the StackSet's template but no
    # instance's stack: each instance stack is updated as StackSets would.
    record_gap("update-stack-set reaching the instance stacks (moto updates only the StackSet's template)",
               "update-stack of every instance stack with the StackSet's new template and parameters "
               "(test_upgrade.py), in both Region orders")
    stacks = instance_stacks(aws)
    first, second = upgrading["accounts"]
    # Both orders a parallel rollout could take: the controller Region first, and last.
    order = [(first, REGIONS[0]), (first, REGIONS[1]), (second, REGIONS[1]), (second, REGIONS[0])]
    for account, region in order:
        here = aws.as_account(account).in_region(region)
        here("cloudformation", "update-stack", "--stack-name", stacks[(account, region)],
             "--template-body", f"file://{template}", "--capabilities", "CAPABILITY_NAMED_IAM",
             "--parameters", *cli_parameters(template, values))
        assert stack_status(here, stacks[(account, region)]) == "UPDATE_COMPLETE", \
            (account, region, failures(here, stacks[(account, region)]))
        assert_sessions_log(aws, upgrading, values["BucketName"])
    for account in upgrading["accounts"]:
        member = aws.as_account(account)
        resources = member.stack_resources(stacks[(account, REGIONS[0])])
        assert "AccountLogging" in resources and "SessionPreferences" not in resources
        assert member.in_region(REGIONS[1]).stack_resources(stacks[(account, REGIONS[1])]).keys() == {
            "SmlogHandler", "SmlogHandlerRole", "SmlogHandlerLogs"}


def test_deleting_the_other_regions_stacks_never_stops_logging(aws, upgrading, values):
    aws("cloudformation", "delete-stack-instances", "--stack-set-name", STACK_SET,
        "--deployment-targets", f"OrganizationalUnitIds={upgrading['ou']}", "--regions", REGIONS[1],
        "--no-retain-stacks")
    assert set(instance_stacks(aws)) == {(a, REGIONS[0]) for a in upgrading["accounts"]}
    assert_sessions_log(aws, upgrading, values["BucketName"])
