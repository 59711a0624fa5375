"""Org-wide rollout: the StackSet CLI inputs smlog writes, used as a
management account would use them: one stack per account of the OU, in
the controller Region only, whose controller writes the preferences in
both Regions; then an account added later, and an account removed."""
from conftest import (AGENT_POLICY, AGENT_ROLE, CONTROLLER, REGIONS, STACK_SET, create_account, holders,
                      instance_profile_role, logging_as_configured, logging_to, preferences)


def instances(aws, account=None):
    summaries = aws("cloudformation", "list-stack-instances", "--stack-set-name", STACK_SET)["Summaries"]
    return [i for i in summaries if account is None or i["Account"] == account]


def operation_status(aws, operation):
    return aws("cloudformation", "describe-stack-set-operation", "--stack-set-name", STACK_SET,
               "--operation-id", operation)["StackSetOperation"]["Status"]


def agent_policy(account):
    return f"arn:aws:iam::{account}:policy/{AGENT_POLICY}"


def test_the_operation_succeeds(aws, rollout):
    assert operation_status(aws, rollout["operation"]) == "SUCCEEDED"


def test_every_account_of_the_ou_gets_one_stack_in_the_controller_region(aws, org, rollout):
    placed = [i for i in instances(aws) if i["Account"] in org["accounts"]]
    assert sorted((i["Account"], i["Region"]) for i in placed) == sorted((a, REGIONS[0]) for a in org["accounts"])
    for instance in placed:
        assert instance["Status"] == "CURRENT", instance
        assert instance["StackInstanceStatus"]["DetailedStatus"] == "SUCCEEDED", instance


def test_each_controller_answers_to_its_own_stack(aws, org, rollout):
    # It confirms removals by asking CloudFormation about the stack its environment names.
    for instance in [i for i in instances(aws) if i["Account"] in org["accounts"]]:
        member = aws.as_account(instance["Account"])
        variables = member("lambda", "get-function-configuration", "--function-name", CONTROLLER)["Environment"]["Variables"]
        assert variables["SMLOG_STACK_ID"] == instance["StackId"]
        [stack] = member("cloudformation", "describe-stacks", "--stack-name", instance["StackId"])["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_each_account_logs_under_its_own_prefix_in_both_regions(aws, org, central, rollout):
    for account in org["accounts"]:
        assert logging_to(aws.as_account(account)) == logging_as_configured(central["outputs"]["BucketName"], account)


def test_each_instance_role_holds_the_one_agent_policy_of_its_account(aws, org, rollout):
    for account in org["accounts"]:
        member = aws.as_account(account)
        assert holders(member, agent_policy(account)) == [AGENT_ROLE], account
        policies = member("iam", "list-policies", "--scope", "Local")["Policies"]
        assert [p["PolicyName"] for p in policies].count(AGENT_POLICY) == 1, account


def test_an_account_added_later_is_set_up_by_its_own_controller(aws, org, central, rollout):
    # Auto-deployment is not emulated: what it would do for an account moved
    # into the OU is done here, an instance for that account alone.
    account = create_account(aws, "late", org["root"], org["ou"])
    member = aws.as_account(account)
    instance_profile_role(member, AGENT_ROLE)
    before = {i["StackId"] for i in instances(aws)}
    operation = aws("cloudformation", "create-stack-instances", "--stack-set-name", STACK_SET,
                    "--deployment-targets", f"OrganizationalUnitIds={org['ou']},Accounts={account},"
                                            "AccountFilterType=INTERSECTION",
                    "--regions", REGIONS[0])["OperationId"]
    assert operation_status(aws, operation) == "SUCCEEDED"
    assert [i["Account"] for i in instances(aws) if i["StackId"] not in before] == [account]
    assert holders(member, agent_policy(account)) == [AGENT_ROLE]
    assert logging_to(member) == logging_as_configured(central["outputs"]["BucketName"], account)

    # Removing it again (the account leaves the OU): no policy left on its
    # role, and no preferences asking for a log upload nobody can make.
    aws("cloudformation", "delete-stack-instances", "--stack-set-name", STACK_SET,
        "--deployment-targets", f"OrganizationalUnitIds={org['ou']},Accounts={account},AccountFilterType=INTERSECTION",
        "--regions", REGIONS[0], "--no-retain-stacks")
    assert instances(aws, account) == []
    assert member("iam", "list-attached-role-policies", "--role-name", AGENT_ROLE)["AttachedPolicies"] == []
    for region in REGIONS:
        inputs = preferences(member.in_region(region))["inputs"]
        assert (inputs["s3BucketName"], inputs["s3EncryptionEnabled"]) == ("", False), region
    # The other accounts are untouched.
    for other in org["accounts"]:
        assert holders(aws.as_account(other), agent_policy(other)) == [AGENT_ROLE], other
