"""Events anyone allowed to invoke the controller could hand it, each refused
by the real handler: the controller's desired state is its environment,
and it removes only what CloudFormation itself says is going. The
operators example, so there are two policies to misuse."""
import uuid

import pytest

from conftest import (CONTROLLER, OPERATOR_POLICY, Member, controller_log, example, holders, instance_profile_role,
                      invoke, logging_as_configured, logging_to, role)

# Where CloudFormation's responses go: a presigned URL of its response bucket.
RESPONSE_URL = ("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
                "arn%3Aaws%3Acloudformation%3Aus-east-1%3A111111111111%3Astack/x/1%7CAccountLogging%7C1"
                "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200")


@pytest.fixture(scope="module")
def operated(spare_account, values, workdir):
    """An account with an instance role, the operators' role, and a developer's role."""
    aws = spare_account()
    instance_profile_role(aws, "WebServers")
    role(aws, "SessionOperators")
    role(aws, "DevRole")
    member = Member(aws, workdir / "forged", values).deploy(example("retention-and-operators"))
    member.operator_policy = f"arn:aws:iam::{member.account}:policy/{OPERATOR_POLICY}"
    member.function = aws("lambda", "get-function", "--function-name", CONTROLLER)["Configuration"]["FunctionArn"]
    return member


def cloudformation_event(member, request_type, resource_type="Custom::AccountLogging", logical_id="AccountLogging",
                         **extra):
    """What CloudFormation would send, made by hand: the real stack id and a CloudFormation-looking ResponseURL."""
    return {"RequestType": request_type, "ResponseURL": RESPONSE_URL, "StackId": member.stack_id,
            "RequestId": str(uuid.uuid4()), "LogicalResourceId": logical_id, "ResourceType": resource_type,
            "ResourceProperties": {"ServiceToken": member.function}, **extra}


def answered(member):
    """What the controller answered the last CloudFormation-shaped event: (status, reason)."""
    last = controller_log(member.aws)[-1]
    return last["status"], last["reason"]


def still_in_place(member, bucket):
    assert holders(member.aws, member.agent_policy) == ["WebServers"]
    assert holders(member.aws, member.operator_policy) == ["SessionOperators"]
    assert logging_to(member.aws, ["us-east-1"]) == logging_as_configured(bucket, member.account, ["us-east-1"])


def test_the_deployment_attached_both_policies_where_they_belong(operated, values):
    assert operated.status == "CREATE_COMPLETE"
    still_in_place(operated, values["BucketName"])


def test_a_reconcile_event_cannot_hand_out_the_operator_policy(operated, values):
    # The earlier handler attached whatever policy the event named.
    invoke(operated.aws, {"Reconcile": {"PolicyArn": operated.operator_policy, "RoleNames": "DevRole",
                                        "InstanceProfileRoles": "false"}})
    assert "DevRole" not in holders(operated.aws, operated.operator_policy)
    assert "DevRole" not in holders(operated.aws, operated.agent_policy)
    still_in_place(operated, values["BucketName"])


def test_a_delete_with_the_real_stack_id_removes_nothing_while_the_stack_stays(operated, values):
    assert operated.status == "CREATE_COMPLETE"
    invoke(operated.aws, cloudformation_event(operated, "Delete", PhysicalResourceId="smlog-account-logging"))
    status, reason = answered(operated)
    assert status == "SUCCESS" and "removal not confirmed by CloudFormation (stack CREATE_COMPLETE)" in reason
    still_in_place(operated, values["BucketName"])


def test_a_create_with_its_own_preferences_writes_the_stacks(operated, values):
    event = cloudformation_event(operated, "Create")
    event["ResourceProperties"].update(DocumentName="SSM-SessionManagerRunShell", Content={
        "schemaVersion": "1.0", "sessionType": "Standard_Stream",
        "inputs": {"s3BucketName": "", "s3EncryptionEnabled": "false", "kmsKeyId": ""}})
    invoke(operated.aws, event)
    assert answered(operated)[0] == "SUCCESS"
    still_in_place(operated, values["BucketName"])


def test_a_delete_of_the_earlier_stacks_attachments_detaches_nothing(operated, values):
    # smlog's earlier member stack detached the policy from every role on this Delete.
    invoke(operated.aws, cloudformation_event(
        operated, "Delete", "Custom::PolicyAttachments", "AgentPolicyAttachments",
        PhysicalResourceId=operated.agent_policy,
        ResourceProperties={"ServiceToken": operated.function, "PolicyArn": operated.agent_policy,
                            "InstanceProfileRoles": "true", "RoleNames": "", "DefaultHostManagementRole": "true"}))
    status, reason = answered(operated)
    assert status == "SUCCESS" and "nothing to do" in reason
    still_in_place(operated, values["BucketName"])
