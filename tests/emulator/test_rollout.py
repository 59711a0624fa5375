"""Org-wide rollout: the StackSet CLI inputs smlog writes, used as a
management account would use them, reaching every account of an OU in two Regions."""
from conftest import REGIONS, STACK_SET, preferences


def test_the_operation_succeeds(aws, rollout):
    operation = aws("cloudformation", "describe-stack-set-operation", "--stack-set-name", STACK_SET,
                    "--operation-id", rollout["operation"])["StackSetOperation"]
    assert operation["Status"] == "SUCCEEDED"


def test_every_account_of_the_ou_gets_an_instance_in_every_region(aws, org, rollout):
    instances = aws("cloudformation", "list-stack-instances", "--stack-set-name", STACK_SET)["Summaries"]
    placed = sorted((i["Account"], i["Region"]) for i in instances)
    assert placed == sorted((a, r) for a in org["accounts"] for r in REGIONS)
    for instance in instances:
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


def test_the_agent_policy_exists_once_per_account(aws, org, rollout):
    # IAM is global: the policy is created only in the IAM Region's instance.
    # (Other tests deploy plain member stacks into some of these accounts too;
    # only the StackSet's own stacks, named after it, count here.)
    for account in org["accounts"]:
        policies = aws.as_account(account)("iam", "list-policies", "--scope", "Local")["Policies"]
        agent = [p for p in policies
                 if p["PolicyName"].startswith(f"{STACK_SET}-SessionLoggingAgentPolicy")]
        assert len(agent) == 1, f"{account}: {[p['PolicyName'] for p in policies]}"
