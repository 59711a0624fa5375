"""What happens around a deploy: bad parameters, repeated deploys, and updates
after a changed setting; for member stacks, a second stack in an account, a
stack deployed again after its deletion, and parameters that reach no role."""
import json
import re

import pytest
import yaml

from conftest import (Member, delete_stack, holders, instance_profile_role, logging_as_configured, logging_to,
                      record_gap, two_regions)
from harness import smlog


def stack_exists(aws, name):
    result = aws.run("cloudformation", "describe-stacks", "--stack-name", name, check=False)
    return result.returncode == 0 and json.loads(result.stdout)["Stacks"][0]["StackStatus"] != "DELETE_COMPLETE"


# Each central stack in an account of its own: the central stack retains its
# keys' aliases, and an alias name is unique in an account and Region.


def test_an_org_id_that_breaks_the_pattern_is_refused(spare_account, workdir):
    aws = spare_account()
    template = workdir / "central-bad-param.yaml"
    template.write_text(smlog("synth", cwd=workdir))
    pattern = yaml.safe_load(template.read_text())["Parameters"]["OrganizationId"]["AllowedPattern"]
    # CloudFormation checks AllowedPattern against the whole value before creating anything.
    assert re.fullmatch(pattern, "o-123") is None
    assert re.fullmatch(pattern, "o-a1b2c3d4e5") is not None
    result = aws.run("cloudformation", "create-stack", "--stack-name", "smlog-bad-param",
                     "--template-body", f"file://{template}",
                     "--parameters", "ParameterKey=OrganizationId,ParameterValue=o-123",
                     "ParameterKey=BucketName,ParameterValue=smlog-bad-param-bucket", check=False)
    if result.returncode == 0:
        # The emulator does not enforce AllowedPattern; clean up what it made.
        record_gap("parameter AllowedPattern enforcement",
                   "the pattern test above, and smlog's own refusal of o-123 (tests/integration/cli.rs)")
        aws("cloudformation", "delete-stack", "--stack-name", "smlog-bad-param")
    else:
        assert "AllowedPattern" in result.stderr or "pattern" in result.stderr.lower(), result.stderr
        assert not stack_exists(aws, "smlog-bad-param")
        buckets = [b["Name"] for b in aws("s3api", "list-buckets")["Buckets"]]
        assert "smlog-bad-param-bucket" not in buckets


def deploy(aws, template, stack, overrides):
    return aws.run("cloudformation", "deploy", "--template-file", str(template), "--stack-name", stack,
                   "--no-fail-on-empty-changeset", "--parameter-overrides",
                   *[f"{k}={v}" for k, v in overrides.items()], check=False)


def test_deploying_the_same_template_twice_changes_nothing(spare_account, org, workdir):
    aws = spare_account()
    template = workdir / "central-twice.yaml"
    template.write_text(smlog("synth", "--bucket-name", "smlog-twice-logs", cwd=workdir))
    overrides = {"OrganizationId": org["id"]}
    first = deploy(aws, template, "smlog-twice", overrides)
    assert first.returncode == 0, first.stderr
    before = aws.stack_resources("smlog-twice")
    second = deploy(aws, template, "smlog-twice", overrides)
    if second.returncode == 0:
        assert "No changes to deploy" in second.stdout, second.stdout
    else:
        # CloudFormation answers an empty change set with a FAILED change set the CLI
        # forgives; the emulator refuses to create one. Both say: nothing to change.
        assert "No updates are to be performed" in second.stderr, second.stderr
        record_gap("the aws CLI's 'No changes to deploy' exit 0 on an empty change set",
                   "the emulator's own 'No updates are to be performed' answer")
    assert aws.stack_resources("smlog-twice") == before


def test_a_changed_setting_updates_in_place(spare_account, org, workdir):
    aws = spare_account()
    folder = workdir / "update"
    folder.mkdir()
    config = folder / "smlog.yaml"
    config.write_text(f"organization_id: {org['id']}\nbucket_name: smlog-update-logs\n")
    template = folder / "central.yaml"
    template.write_text(smlog("synth", cwd=folder))
    aws.deploy("smlog-update", template)
    before = aws.stack_resources("smlog-update")

    # Another organisation id: key and bucket policies change, nothing is replaced.
    config.write_text("organization_id: o-zz9y8x7w6v\nbucket_name: smlog-update-logs\n")
    template.write_text(smlog("synth", cwd=folder))
    aws("cloudformation", "update-stack", "--stack-name", "smlog-update", "--template-body", f"file://{template}")
    aws("cloudformation", "wait", "stack-update-complete", "--stack-name", "smlog-update")
    after = aws.stack_resources("smlog-update")
    for logical in ("LogBucket", "BucketKey", "SessionKey"):
        assert after[logical] == before[logical], f"{logical} was replaced"
    stack = aws("cloudformation", "describe-stacks", "--stack-name", "smlog-update")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["OrganizationId"] == "o-zz9y8x7w6v"
    policy = aws("kms", "get-key-policy", "--key-id", after["SessionKey"], "--policy-name", "default")["Policy"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    orgs = [s["Condition"]["StringEquals"]["aws:PrincipalOrgID"] for s in policy["Statement"] if "Condition" in s]
    if orgs == [org["id"]]:
        record_gap("key policy changes on stack update (the emulator keeps a key's first policy)",
                   "the golden templates, which show the new policy")
    else:
        assert orgs == ["o-zz9y8x7w6v"]


# ---------------------------------------------------------------- member stacks


def test_a_second_member_stack_in_an_account_fails_and_leaves_the_first_alone(spare_account, values, workdir, central):
    # smlog's member resources have fixed names: a second stack (another name,
    # or a StackSet instance over an account that has a plain one) fails on
    # them and rolls back, without touching the first stack's work.
    aws = spare_account()
    instance_profile_role(aws, "WebServers")
    first = Member(aws, workdir / "first-member", values).deploy(two_regions())
    with pytest.raises(AssertionError) as refused:
        Member(aws, workdir / "second-member", values, stack="smlog-member-again").deploy(two_regions())
    assert "ROLLBACK_COMPLETE" in str(refused.value) and "EntityAlreadyExists" in str(refused.value), refused.value
    assert first.status == "CREATE_COMPLETE"
    assert holders(aws, first.agent_policy) == ["WebServers"]
    assert logging_to(aws) == logging_as_configured(central["outputs"]["BucketName"], first.account)
    assert first.run()["changed"] is False, "the first controller finds nothing to repair"


def test_a_member_stack_deleted_and_deployed_again_succeeds(spare_account, values, workdir, central):
    # An account that leaves the OU and comes back: nothing the first stack
    # made stands in the way of the second.
    aws = spare_account()
    instance_profile_role(aws, "WebServers")
    first = Member(aws, workdir / "member-once", values).deploy(two_regions())
    assert delete_stack(aws, first.stack) == "DELETE_COMPLETE"
    assert aws.run("iam", "get-policy", "--policy-arn", first.agent_policy, check=False).returncode != 0, \
        "the agent policy goes with its stack"
    again = Member(aws, workdir / "member-again", values, stack="smlog-member-again").deploy(two_regions())
    assert holders(aws, again.agent_policy) == ["WebServers"]
    assert logging_to(aws) == logging_as_configured(central["outputs"]["BucketName"], again.account)


def test_a_member_stack_whose_agent_policy_reaches_no_role_is_refused(spare_account, values, workdir):
    # With encryption on, sessions on nodes whose role lacks the policy fail:
    # the template's rule refuses parameters that attach it nowhere.
    aws = spare_account()
    member = Member(aws, workdir / "reaches-nothing", values)
    member.synth(two_regions())
    rule = yaml.safe_load(member.template.read_text())["Rules"]["AgentPolicyReachesARole"]
    assert "Some role must get the agent policy" in rule["Assertions"][0]["AssertDescription"]
    member.overrides = {"AttachToInstanceProfileRoles": "false", "AttachToDefaultHostManagementRole": "false",
                        "AttachToActivationRoles": "false", "AgentRoleNames": ""}
    result = aws.run("cloudformation", "create-stack", "--stack-name", member.stack, "--template-body",
                     f"file://{member.template}", "--capabilities", "CAPABILITY_NAMED_IAM",
                     "--parameters", *member.parameters(), check=False)
    if result.returncode == 0:
        record_gap("template Rules (AgentPolicyReachesARole) refusing parameters",
                   "the rule in the golden template and the Rust tests of the member template")
        assert delete_stack(aws, member.stack) == "DELETE_COMPLETE"
    else:
        assert "AgentPolicyReachesARole" in result.stderr or "Some role must" in result.stderr, result.stderr
