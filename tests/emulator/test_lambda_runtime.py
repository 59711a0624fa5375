"""The emulator's in-process Lambda runtime (moto_lambda.py): direct invokes,
and CloudFormation custom resources in the default account, in a member
account and Region, and through a StackSet; Create, Update and Delete
requests; FAILED responses that roll the stack back."""
import base64
import concurrent.futures
import io
import json
import zipfile

import pytest

ROLE_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

# Inline code as CloudFormation gets it: `index.py`, next to the cfnresponse
# module Lambda provides for ZipFile code. It writes an SSM parameter in the
# function's own account and Region and answers with what it saw.
HANDLER = '''
import json
import os

import boto3
import cfnresponse


def handler(event, context):
    props = event["ResourceProperties"]
    name = props["ParameterName"]
    ssm = boto3.client("ssm")
    try:
        if event["RequestType"] == "Delete":
            flag = ssm.get_parameters(Names=[name + "-fail-delete"])["Parameters"]
            if flag and flag[0]["Value"] == "yes":
                raise RuntimeError("refusing to delete")
            try:
                ssm.delete_parameter(Name=name)
            except ssm.exceptions.ParameterNotFound:
                pass
            data = {}
        elif props.get("Fail") == "true":
            raise RuntimeError("asked to fail")
        else:
            ssm.put_parameter(Name=name, Value=props["Value"], Type="String", Overwrite=True)
            caller = boto3.client("sts").get_caller_identity()
            data = {
                "Value": props["Value"],
                "Account": caller["Account"],
                "Caller": caller["Arn"],
                "Region": os.environ["AWS_REGION"],
                "Stage": os.environ["STAGE"],
                "Types": ",".join(type(props[k]).__name__ for k in ("Count", "Enabled")),
                "RequestType": event["RequestType"],
                "Old": event.get("OldResourceProperties", {}).get("Value", "-"),
            }
        cfnresponse.send(event, context, cfnresponse.SUCCESS, data, name)
    except Exception as error:
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, name, reason=f"{type(error).__name__}: {error}")
'''

OUTPUTS = ("Value", "Account", "Caller", "Region", "Stage", "Types", "RequestType", "Old")

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",  # moto's GetTemplateSummary (aws cloudformation deploy) needs it
    "Parameters": {
        "ParameterName": {"Type": "String"},
        "Value": {"Type": "String"},
        "Fail": {"Type": "String", "Default": "false"},
    },
    "Resources": {
        "FunctionRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": ROLE_TRUST}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Timeout": 30,
            "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
            "Environment": {"Variables": {"STAGE": "test"}},
            "Code": {"ZipFile": HANDLER}}},
        "Parameter": {"Type": "Custom::Parameter", "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
            "ParameterName": {"Ref": "ParameterName"}, "Value": {"Ref": "Value"},
            "Count": 3, "Enabled": True, "Fail": {"Ref": "Fail"}}},
        # Reads the custom resource's Data while the stack is created.
        "Echo": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": {"Fn::Sub": "${ParameterName}-echo"}, "Type": "String",
            "Value": {"Fn::GetAtt": ["Parameter", "Caller"]}}},
    },
    "Outputs": {
        **{name: {"Value": {"Fn::GetAtt": ["Parameter", name]}} for name in OUTPUTS},
        "PhysicalId": {"Value": {"Ref": "Parameter"}},
        "FunctionName": {"Value": {"Ref": "Function"}},
        "RoleName": {"Value": {"Ref": "FunctionRole"}},
    },
}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("lambda-runtime") / "custom-resource.json"
    path.write_text(json.dumps(TEMPLATE))
    return path


def create(aws, stack, template, verb="create-stack", **parameters):
    aws("cloudformation", verb, "--stack-name", stack, "--template-body", f"file://{template}",
        "--capabilities", "CAPABILITY_IAM",
        "--parameters", *[f"ParameterKey={k},ParameterValue={v}" for k, v in parameters.items()])


def update(aws, stack, template, **parameters):
    create(aws, stack, template, "update-stack", **parameters)


def waits(aws, what, stack):
    """Whether `aws cloudformation wait <what>` succeeds, as a user would see it."""
    return aws.run("cloudformation", "wait", what, "--stack-name", stack, check=False).returncode == 0


def status(aws, stack):
    return aws("cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"][0]["StackStatus"]


def resource_events(aws, stack, logical_id):
    events = aws("cloudformation", "describe-stack-events", "--stack-name", stack)["StackEvents"]
    return [(e["ResourceStatus"], e.get("ResourceStatusReason", "")) for e in reversed(events)
            if e["LogicalResourceId"] == logical_id]


def parameter(aws, name):
    found = aws("ssm", "get-parameters", "--names", name)["Parameters"]
    return found[0]["Value"] if found else None


def test_a_custom_resource_runs_its_inline_python_in_the_default_account(aws, template):
    account = aws.account_id()
    create(aws, "lr-default", template, ParameterName="/lr/default", Value="one")
    assert waits(aws, "stack-create-complete", "lr-default")
    outputs = aws.outputs("lr-default")

    assert parameter(aws, "/lr/default") == "one"
    role, function = outputs["RoleName"], outputs["FunctionName"]
    assert outputs["Caller"] == f"arn:aws:sts::{account}:assumed-role/{role}/{function}"
    assert {k: outputs[k] for k in ("Value", "Account", "Region", "Stage", "RequestType", "Old", "PhysicalId")} == {
        "Value": "one", "Account": account, "Region": "us-east-1", "Stage": "test",
        "RequestType": "Create", "Old": "-", "PhysicalId": "/lr/default"}
    # CloudFormation hands numbers and booleans over as strings.
    assert outputs["Types"] == "str,str"
    # The physical id is the one the function answered with.
    assert aws.stack_resources("lr-default")["Parameter"] == "/lr/default"
    # A resource that reads the Data is created after the response.
    assert parameter(aws, "/lr/default-echo") == outputs["Caller"]
    statuses = [s for s, _ in resource_events(aws, "lr-default", "Parameter")]
    assert statuses == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]


def test_update_and_delete_reach_the_function(aws, template):
    create(aws, "lr-lifecycle", template, ParameterName="/lr/lifecycle", Value="one")
    assert waits(aws, "stack-create-complete", "lr-lifecycle")

    update(aws, "lr-lifecycle", template, ParameterName="/lr/lifecycle", Value="two")
    assert waits(aws, "stack-update-complete", "lr-lifecycle")
    outputs = aws.outputs("lr-lifecycle")
    assert (outputs["Value"], outputs["RequestType"], outputs["Old"]) == ("two", "Update", "one")
    assert parameter(aws, "/lr/lifecycle") == "two"

    # A FAILED Update rolls the stack back to the previous template.
    update(aws, "lr-lifecycle", template, ParameterName="/lr/lifecycle", Value="three", Fail="true")
    assert not waits(aws, "stack-update-complete", "lr-lifecycle")
    assert status(aws, "lr-lifecycle") == "UPDATE_ROLLBACK_COMPLETE"
    assert aws.outputs("lr-lifecycle")["Value"] == "two"
    assert parameter(aws, "/lr/lifecycle") == "two"
    failed = [r for s, r in resource_events(aws, "lr-lifecycle", "Parameter") if s == "UPDATE_FAILED"]
    assert len(failed) == 1 and "RuntimeError: asked to fail" in failed[0]

    # A FAILED Delete leaves the stack DELETE_FAILED; once the function
    # agrees, deleting again works and the handler cleans up.
    aws("ssm", "put-parameter", "--name", "/lr/lifecycle-fail-delete", "--value", "yes", "--type", "String")
    aws("cloudformation", "delete-stack", "--stack-name", "lr-lifecycle")
    assert not waits(aws, "stack-delete-complete", "lr-lifecycle")
    assert status(aws, "lr-lifecycle") == "DELETE_FAILED"
    assert parameter(aws, "/lr/lifecycle") == "two"

    aws("ssm", "put-parameter", "--name", "/lr/lifecycle-fail-delete", "--value", "no", "--type", "String",
        "--overwrite")
    stack_id = aws("cloudformation", "describe-stacks", "--stack-name", "lr-lifecycle")["Stacks"][0]["StackId"]
    aws("cloudformation", "delete-stack", "--stack-name", "lr-lifecycle")
    assert waits(aws, "stack-delete-complete", stack_id)
    assert parameter(aws, "/lr/lifecycle") is None
    statuses = [s for s, _ in resource_events(aws, stack_id, "Parameter")]
    assert statuses[-3:] == ["DELETE_FAILED", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"]


def test_a_failed_create_rolls_the_stack_back(aws, template):
    create(aws, "lr-failing", template, ParameterName="/lr/failing", Value="one", Fail="true")
    assert not waits(aws, "stack-create-complete", "lr-failing")
    assert status(aws, "lr-failing") == "ROLLBACK_COMPLETE"
    events = resource_events(aws, "lr-failing", "Parameter")
    assert events[1][0] == "CREATE_FAILED"
    assert "Message returned: RuntimeError: asked to fail" in events[1][1]
    # As in AWS, the failed resource still gets a Delete during rollback.
    assert [s for s, _ in events[2:]] == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    assert aws("cloudformation", "list-stack-resources", "--stack-name", "lr-failing")["StackResourceSummaries"] == []
    assert aws.outputs("lr-failing") == {}


def test_a_handler_that_crashes_without_responding_fails_the_stack_at_once(aws, tmp_path):
    # CloudFormation would wait an hour for the response; the emulator fails
    # the resource when the invocation ends, with the function's error.
    broken = json.loads(json.dumps(TEMPLATE))
    broken["Resources"]["Function"]["Properties"]["Code"]["ZipFile"] = (
        "def handler(event, context):\n    raise KeyError('nothing sent')\n")
    del broken["Resources"]["Echo"]
    broken["Outputs"] = {}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    create(aws, "lr-silent", path, ParameterName="/lr/silent", Value="one")
    assert not waits(aws, "stack-create-complete", "lr-silent")
    reason = dict(resource_events(aws, "lr-silent", "Parameter"))["CREATE_FAILED"]
    assert "sent no response" in reason and "KeyError" in reason
    # The rollback's Delete gets no answer either, as in AWS.
    assert status(aws, "lr-silent") == "ROLLBACK_FAILED"


def test_a_failing_create_through_a_change_set_rolls_back(aws, template):
    failed = aws.run("cloudformation", "deploy", "--template-file", str(template), "--stack-name", "lr-deploy-fail",
                     "--capabilities", "CAPABILITY_IAM", "--parameter-overrides", "ParameterName=/lr/deploy-fail",
                     "Value=one", "Fail=true", check=False)
    assert failed.returncode != 0
    assert status(aws, "lr-deploy-fail") == "ROLLBACK_COMPLETE"


def test_change_sets_run_custom_resources_too(aws, template):
    def deploy(**parameters):
        return aws.run("cloudformation", "deploy", "--template-file", str(template), "--stack-name", "lr-deploy",
                       "--capabilities", "CAPABILITY_IAM", "--parameter-overrides",
                       *[f"{k}={v}" for k, v in parameters.items()], check=False)

    created = deploy(ParameterName="/lr/deploy", Value="one")
    assert created.returncode == 0, created.stderr
    assert parameter(aws, "/lr/deploy") == "one"
    updated = deploy(ParameterName="/lr/deploy", Value="two")
    assert updated.returncode == 0, updated.stderr
    assert parameter(aws, "/lr/deploy") == "two"
    assert deploy(ParameterName="/lr/deploy", Value="three", Fail="true").returncode != 0
    assert status(aws, "lr-deploy") == "UPDATE_ROLLBACK_COMPLETE"
    assert parameter(aws, "/lr/deploy") == "two"


def test_a_custom_resource_in_a_member_account_acts_there(aws, org, template):
    account = org["accounts"][0]
    member = aws.as_account(account).in_region("eu-west-1")
    create(member, "lr-member", template, ParameterName="/lr/member", Value="remote")
    assert waits(member, "stack-create-complete", "lr-member")
    outputs = member.outputs("lr-member")

    assert (outputs["Account"], outputs["Region"]) == (account, "eu-west-1")
    assert outputs["Caller"].startswith(f"arn:aws:sts::{account}:assumed-role/")
    assert parameter(member, "/lr/member") == "remote"
    assert parameter(aws.in_region("eu-west-1"), "/lr/member") is None
    assert parameter(aws.as_account(account), "/lr/member") is None

    stack_id = member("cloudformation", "describe-stacks", "--stack-name", "lr-member")["Stacks"][0]["StackId"]
    member("cloudformation", "delete-stack", "--stack-name", "lr-member")
    assert waits(member, "stack-delete-complete", stack_id)
    assert parameter(member, "/lr/member") is None


def create_stack_set(aws, name, template, ou, regions, **parameters):
    """A service-managed StackSet (as smlog's rollout) over the OU; returns the operation's status.
    (moto names self-managed instance stacks "StackSet:<name>", and cannot
    delete a Lambda function whose generated name holds that colon.)"""
    aws("cloudformation", "create-stack-set", "--stack-set-name", name, "--template-body", f"file://{template}",
        "--capabilities", "CAPABILITY_IAM", "--permission-model", "SERVICE_MANAGED",
        "--auto-deployment", "Enabled=false",
        "--parameters", *[f"ParameterKey={k},ParameterValue={v}" for k, v in parameters.items()])
    operation = aws("cloudformation", "create-stack-instances", "--stack-set-name", name,
                    "--deployment-targets", f"OrganizationalUnitIds={ou}", "--regions", *regions)["OperationId"]
    return aws("cloudformation", "describe-stack-set-operation", "--stack-set-name", name,
               "--operation-id", operation)["StackSetOperation"]["Status"]


def test_stack_set_instances_run_custom_resources_in_each_account_and_region(aws, org, template):
    regions = ["us-east-1", "eu-west-1"]
    assert create_stack_set(aws, "lr-stack-set", template, org["ou"], regions,
                            ParameterName="/lr/stack-set", Value="everywhere") == "SUCCEEDED"
    instances = aws("cloudformation", "list-stack-instances", "--stack-set-name", "lr-stack-set")["Summaries"]
    assert {(i["Account"], i["Region"], i["StackInstanceStatus"]["DetailedStatus"]) for i in instances} == {
        (account, region, "SUCCEEDED") for account in org["accounts"] for region in regions}
    members = [aws.as_account(account).in_region(region) for account in org["accounts"] for region in regions]
    assert [parameter(member, "/lr/stack-set") for member in members] == ["everywhere"] * len(members)
    assert parameter(aws, "/lr/stack-set") is None

    # moto deletes service-managed instances by account (it ignores DeploymentTargets here).
    aws("cloudformation", "delete-stack-instances", "--stack-set-name", "lr-stack-set",
        "--accounts", *org["accounts"], "--regions", *regions, "--no-retain-stacks")
    assert [parameter(member, "/lr/stack-set") for member in members] == [None] * len(members)


def test_a_failing_stack_set_instance_is_reported(aws, org, template):
    assert create_stack_set(aws, "lr-failing-set", template, org["ou"], ["us-east-1"],
                            ParameterName="/lr/failing-set", Value="x", Fail="true") == "FAILED"
    instances = aws("cloudformation", "list-stack-instances", "--stack-set-name", "lr-failing-set")["Summaries"]
    assert len(instances) == len(org["accounts"])
    for instance in instances:
        assert (instance["Status"], instance["StackInstanceStatus"]["DetailedStatus"]) == ("OUTDATED", "FAILED")
        assert "asked to fail" in instance["StatusReason"]


INVOKED = '''
import os
import time

import boto3


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError("bad input")
    print("remaining", context.get_remaining_time_in_millis() > 0)
    return {"account": boto3.client("sts").get_caller_identity()["Account"],
            "region": boto3.session.Session().region_name, "colour": os.environ["COLOUR"]}
'''


def make_function(aws, name, colour, folder):
    archive = folder / f"{name}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("app.py", INVOKED)
    archive.write_bytes(buffer.getvalue())
    role = aws("iam", "create-role", "--role-name", f"{name}-role",
               "--assume-role-policy-document", json.dumps(ROLE_TRUST))["Role"]["Arn"]
    aws("lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
        "--handler", "app.handler", "--role", role, "--zip-file", f"fileb://{archive}",
        "--environment", json.dumps({"Variables": {"COLOUR": colour}}))


def invoke(aws, name, payload, folder):
    out = folder / f"{name}-{aws.region}-{abs(hash(json.dumps(payload)))}.json"
    result = aws("lambda", "invoke", "--function-name", name, "--payload", json.dumps(payload),
                 "--log-type", "Tail", str(out))
    return result, json.loads(out.read_text())


def test_direct_invokes_run_concurrently_each_in_its_own_account(aws, org, tmp_path):
    account = org["accounts"][2]
    member = aws.as_account(account).in_region("eu-west-1")
    make_function(aws, "lr-direct", "red", tmp_path)
    make_function(member, "lr-direct", "blue", tmp_path)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        here = pool.submit(invoke, aws, "lr-direct", {"sleep": 1}, tmp_path)
        there = pool.submit(invoke, member, "lr-direct", {"sleep": 1}, tmp_path)
        (result, payload), (_, remote) = here.result(), there.result()
    assert payload == {"account": aws.account_id(), "region": "us-east-1", "colour": "red"}
    assert remote == {"account": account, "region": "eu-west-1", "colour": "blue"}
    assert "FunctionError" not in result
    assert "remaining True" in base64.b64decode(result["LogResult"]).decode()
    logged = aws("logs", "filter-log-events", "--log-group-name", "/aws/lambda/lr-direct")["events"]
    assert "remaining True" in [event["message"] for event in logged]

    result, error = invoke(aws, "lr-direct", {"fail": True}, tmp_path)
    assert result["FunctionError"] == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad input")
