"""Org-wide rollout: the StackSet CLI inputs smlog writes, used as a
management account would use them, reaching every account of an OU in two
Regions; then an account added later and an account removed."""
import json

from conftest import AGENT_ROLE, REGIONS, STACK_SET, create_account, instance_profile_role, preferences

AGENT_POLICY = "smlog-session-manager-agent"


def instances(aws, account=None):
    summaries = aws("cloudformation", "list-stack-instances", "--stack-set-name", STACK_SET)["Summaries"]
    return [i for i in summaries if account is None or i["Account"] == account]


def operation_status(aws, operation):
    return aws("cloudformation", "describe-stack-set-operation", "--stack-set-name", STACK_SET,
               "--operation-id", operation)["StackSetOperation"]["Status"]


def attached(member):
    policies = member("iam", "list-attached-role-policies", "--role-name", AGENT_ROLE)["AttachedPolicies"]
    return [p["PolicyName"] for p in policies]


def test_the_operation_succeeds(aws, rollout):
    assert operation_status(aws, rollout["operation"]) == "SUCCEEDED"


def test_every_account_of_the_ou_gets_an_instance_in_every_region(aws, org, rollout):
    placed = [i for i in instances(aws) if i["Account"] in org["accounts"]]
    assert sorted((i["Account"], i["Region"]) for i in placed) == sorted(
        (a, r) for a in org["accounts"] for r in REGIONS)
    for instance in placed:
        assert instance["Status"] == "CURRENT", instance
        assert instance["StackInstanceStatus"]["DetailedStatus"] == "SUCCEEDED", instance


def test_each_account_and_region_logs_under_its_own_prefix(aws, org, central, rollout):
    for account in org["accounts"]:
        member = aws.as_account(account)
        for region in REGIONS:
            inputs = preferences(member.in_region(region))["inputs"]
            assert inputs["s3KeyPrefix"] == f"{account}/{region}"
            assert inputs["s3BucketName"] == central["outputs"]["BucketName"]
            assert inputs["s3EncryptionEnabled"] is True


def test_every_instance_role_holds_the_agent_policy_once_per_account(aws, org, rollout):
    # The default rollout: encryption-on logging, and every instance-profile
    # role can use the keys. IAM is global; only the IAM Region's instance makes the policy.
    for account in org["accounts"]:
        member = aws.as_account(account)
        assert attached(member) == [AGENT_POLICY], account
        policies = member("iam", "list-policies", "--scope", "Local")["Policies"]
        assert [p["PolicyName"] for p in policies].count(AGENT_POLICY) == 1, account


def test_an_account_added_later_is_set_up_like_the_others(aws, org, central, rollout):
    # Auto-deployment is not emulated: the instances it would create are
    # created for the account's new OU, in the rollout's Region order.
    late_ou = aws("organizations", "create-organizational-unit", "--parent-id", org["root"],
                  "--name", "late-arrivals")["OrganizationalUnit"]["Id"]
    account = create_account(aws, "late", org["root"], late_ou)
    member = aws.as_account(account)
    instance_profile_role(member, AGENT_ROLE)
    operation = aws("cloudformation", "create-stack-instances", "--stack-set-name", STACK_SET,
                    "--deployment-targets", f"OrganizationalUnitIds={late_ou}", "--regions", *REGIONS)["OperationId"]
    assert operation_status(aws, operation) == "SUCCEEDED"
    assert attached(member) == [AGENT_POLICY]
    for region in REGIONS:
        inputs = preferences(member.in_region(region))["inputs"]
        assert (inputs["s3BucketName"], inputs["s3KeyPrefix"]) == (central["outputs"]["BucketName"], f"{account}/{region}")

    # Removing it again (the account leaves the OU): no policy left, and no
    # preferences asking for a log upload nobody can make.
    aws("cloudformation", "delete-stack-instances", "--stack-set-name", STACK_SET, "--accounts", account,
        "--regions", *REGIONS, "--no-retain-stacks")
    assert instances(aws, account) == []
    assert attached(member) == []
    for region in REGIONS:
        inputs = preferences(member.in_region(region))["inputs"]
        assert (inputs["s3BucketName"], inputs["s3EncryptionEnabled"]) == ("", False), json.dumps(inputs)
