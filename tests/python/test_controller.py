"""The account controller, exactly as the committed member templates carry it
(the ZipFile of stacksets/member.yaml), with the environment those templates
give it, against moto's in-process IAM, SSM, KMS, CloudWatch Logs and
EventBridge. CloudFormation's answers about the controller's own stack are
a stand-in: the tests decide what status the stack is in."""
import copy
import json
import pathlib
import re
import sys

import boto3
import botocore.session
import pytest
import yaml
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from moto import mock_aws

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "emulator"))
import moto_additions  # noqa: E402  (what moto lacks, as the emulator adds it)

moto_additions.install()
ACCOUNT = "123456789012"  # moto's default account
CENTRAL = "111111111111"
STACK_ID = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/StackSet-session-manager-logging-1/abc"
DOCUMENT = "SSM-SessionManagerRunShell"
DHMC_SETTING = "/ssm/managed-instance/default-ec2-instance-management-role"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
SESSION_KEY = f"arn:aws:kms:us-east-1:{CENTRAL}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET_KEY = f"arn:aws:kms:us-east-1:{CENTRAL}:key/abcd1234-12ab-34cd-56ef-1234567890ab"
MRK = "mrk-0123456789abcdef0123456789abcdef"


def member_template(example=None):
    root = REPO / "templates" / "examples" / example if example else REPO
    return yaml.safe_load((root / "stacksets" / "member.yaml").read_text())


def examples():
    return [None] + sorted(p.stem for p in (REPO / "templates" / "examples").glob("*.yaml"))


def resolve(value, names):
    """The few intrinsics the member template's environment and content use."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return names[arg]
        if fn == "Fn::Sub":
            return re.sub(r"\$\{(!?)([^}]+)\}", lambda m: "${" + m[2] + "}" if m[1] else names[m[2]], arg)
        if fn == "Fn::GetAtt":
            return names[".".join(arg)]
    if isinstance(value, dict):
        return {k: resolve(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    return value


def names_for(template, overrides=None):
    names = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT,
             "AWS::StackId": STACK_ID, "AWS::URLSuffix": "amazonaws.com",
             "BucketName": "central-logs", "BucketKeyArn": BUCKET_KEY, "SessionKeyArn": SESSION_KEY,
             "SessionKeyId": MRK, "CentralAccountId": CENTRAL}
    for name, parameter in template.get("Parameters", {}).items():
        if "Default" in parameter:
            names.setdefault(name, parameter["Default"])
    names.update(overrides or {})
    return names


def environment(template=None, **overrides):
    """The controller's environment as the template sets it; overrides name
    parameters (BucketName=…) or, with SMLOG_, variables themselves."""
    template = template or member_template()
    variables = template["Resources"]["SmlogHandler"]["Properties"]["Environment"]["Variables"]
    parameters = {k: v for k, v in overrides.items() if not k.startswith("SMLOG_")}
    env = {k: str(resolve(v, names_for(template, parameters))) for k, v in variables.items()}
    for name, value in overrides.items():
        if name.startswith("SMLOG_"):
            assert name in env, f"{name} is not a variable the template sets"
            env[name] = value
    return env


def load_controller(template=None):
    source = (template or member_template())["Resources"]["SmlogHandler"]["Properties"]["Code"]["ZipFile"]
    namespace = {"__name__": "index"}
    exec(compile(source, "index.py", "exec"), namespace)
    return namespace


class Stack:
    """CloudFormation as the controller asks it about its own stack."""

    def __init__(self, status="UPDATE_COMPLETE", physical="smlog-account-logging"):
        self.status, self.physical = status, physical

    def describe_stacks(self, StackName):
        assert StackName == STACK_ID, "the controller asks about its own stack, from its environment"
        return {"Stacks": [{"StackStatus": self.status}]}

    def describe_stack_resource(self, StackName, LogicalResourceId):
        assert (StackName, LogicalResourceId) == (STACK_ID, "AccountLogging")
        return {"StackResourceDetail": {"PhysicalResourceId": self.physical}}


class Events(list):
    def put_events(self, Entries):
        self.extend(Entries)
        return {"FailedEntryCount": 0}


class Responses(list):
    def __call__(self, event, status, reason, data):
        self.append({"status": status, "reason": reason, "data": data})


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


class Recording:
    """GUI Connect's RDP recording preferences in one Region (moto has no GUI
    Connect); requests are checked against botocore's model of the service."""

    MODEL = botocore.session.get_session().get_service_model("ssm-guiconnect")

    def __init__(self, preferences=None):
        self.preferences = preferences

    def _checked(self, operation, params):
        report = ParamValidator().validate(params, self.MODEL.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()

    def get_connection_recording_preferences(self):
        if self.preferences is None:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no preferences"}},
                              "GetConnectionRecordingPreferences")
        return {"ConnectionRecordingPreferences": copy.deepcopy(self.preferences)}

    def update_connection_recording_preferences(self, **params):
        self._checked("UpdateConnectionRecordingPreferences", params)
        self.preferences = copy.deepcopy(params["ConnectionRecordingPreferences"])

    def delete_connection_recording_preferences(self, **params):
        self._checked("DeleteConnectionRecordingPreferences", params)
        self.preferences = None


class World:
    """The clients the controller gets: moto, with a stand-in for its stack,
    its event bus and GUI Connect, and Regions that can be made unreachable."""

    def __init__(self, stack=None, unreachable=(), recordings=None):
        self.stack, self.events, self.unreachable, self.calls = stack or Stack(), Events(), set(unreachable), []
        self.recordings = recordings if recordings is not None else {}

    def __call__(self, service, region_name=None, config=None):
        if service == "cloudformation":
            return self.stack
        if service == "events":
            return self.events
        if service == "ssm-guiconnect":
            return self.recordings.setdefault(region_name, Recording())
        if region_name in self.unreachable:
            raise ClientError({"Error": {"Code": "UnrecognizedClientException", "Message": "The security token included in the request is invalid"}}, "Any")
        client = boto3.client(service, region_name=region_name or "us-east-1")
        calls = self.calls
        client.meta.events.register("before-call.*.*", lambda model, **_: calls.append((service, region_name, model.name)))
        return client


def run(event, env, world, template=None, send=None):
    controller = load_controller(template)
    send = Responses() if send is None else send
    return controller["handler"](event, None, clients=world, send=send, sleep=lambda _: None, env=env)


def cfn_event(request_type, resource_type="Custom::AccountLogging", logical="AccountLogging", **extra):
    return {"RequestType": request_type, "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "StackId": STACK_ID, "RequestId": "r-1", "LogicalResourceId": logical, "ResourceType": resource_type,
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:smlog-session-logging"},
            **extra}


def agent_policy(iam):
    return iam.create_policy(PolicyName="smlog-session-manager-agent", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}))["Policy"]["Arn"]


def role(iam, name, path="/", profile=True, boundary=None):
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST, **extra)
    if profile:
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def holders(iam, policy):
    found = iam.list_entities_for_policy(PolicyArn=policy, EntityFilter="Role")["PolicyRoles"]
    return sorted(r["RoleName"] for r in found)


def preferences(region="us-east-1"):
    ssm = boto3.client("ssm", region_name=region)
    return json.loads(ssm.get_document(Name=DOCUMENT, DocumentFormat="JSON")["Content"])


def two_regions(**overrides):
    return environment(**{**overrides}) | {"SMLOG_REGIONS": "us-east-1,eu-west-1"}


# ---------------------------------------------------------------- the contract


@pytest.mark.parametrize("example", examples())
def test_the_document_the_controller_writes_is_the_one_the_template_declares(example):
    template = member_template(example)
    env = environment(template)
    controller = load_controller(template)
    desired = controller["Desired"](env)
    declared = resolve(template["Resources"]["AccountLogging"]["Properties"]["Content"], names_for(template))
    region = "eu-west-1"
    declared = json.loads(json.dumps(declared).replace("${Region}", region))
    key = declared["inputs"]["kmsKeyId"]
    if env["SMLOG_SESSION_KEY_LOOKUP"] == "alias":
        key = declared["inputs"]["kmsKeyId"] = f"arn:aws:kms:{region}:{ACCOUNT}:key/member-key"
    written = desired.document(ACCOUNT, region, key if env["SMLOG_SESSION_KEY_LOOKUP"] == "alias" else
                               controller["session_key"](desired, None, region), "clear")
    assert written["inputs"] == declared["inputs"]
    assert (written["schemaVersion"], written["sessionType"]) == (declared["schemaVersion"], declared["sessionType"])
    assert written["description"].startswith(declared["description"])


# ---------------------------------------------------------------- a first run, and the roles agents run as


def test_every_role_the_agent_runs_as_gets_the_policy_before_any_preferences_are_written(aws):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "WebServers")
    role(iam, "DhmcCustom", path="/service-role/", profile=False)
    role(iam, "HybridNodes", profile=False)
    role(iam, "NamedOnly", profile=False)
    role(iam, "AWSReservedSSO_Admin_0123", path="/aws-reserved/sso.amazonaws.com/", profile=True)
    role(iam, "Unrelated", profile=False)
    boto3.client("ssm", region_name="eu-west-1").update_service_setting(SettingId=DHMC_SETTING, SettingValue="service-role/DhmcCustom")
    boto3.client("ssm", region_name="us-east-1").create_activation(IamRole="HybridNodes")
    env = two_regions(SMLOG_AGENT_ROLE_NAMES="NamedOnly,NotInThisAccount")
    world = World()
    report = run({"detail-type": "Scheduled Event"}, env, world)
    assert holders(iam, policy) == ["DhmcCustom", "HybridNodes", "NamedOnly", "WebServers"]
    assert report["roles"]["NotInThisAccount"] == ["does not exist in this account"]
    assert report["roles"]["AWSReservedSSO_Admin_0123"] == ["managed by AWS: cannot take a policy"]
    tags = iam.list_role_tags(RoleName="WebServers")["Tags"]
    assert {"Key": "smlog:attached", "Value": "agent"} in tags
    for region in ("us-east-1", "eu-west-1"):
        inputs = preferences(region)["inputs"]
        assert (inputs["s3BucketName"], inputs["s3KeyPrefix"], inputs["s3EncryptionEnabled"]) == \
               ("central-logs", f"{ACCOUNT}/{region}", True)
        assert inputs["kmsKeyId"] == SESSION_KEY
    # Order by construction: no preferences call before the last attachment.
    calls = [c for c in world.calls if c[2] in ("AttachRolePolicy", "CreateDocument", "UpdateDocument")]
    last_attach = max(i for i, c in enumerate(calls) if c[2] == "AttachRolePolicy")
    first_write = min(i for i, c in enumerate(calls) if c[2] != "AttachRolePolicy")
    assert last_attach < first_write


def test_one_role_that_refuses_does_not_stop_the_others(aws, monkeypatch):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    for name in ("A1", "A2", "Denied", "A4", "A5"):
        role(iam, name)
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend
    real = IAMBackend.attach_role_policy

    class AccessDenied(IAMException):
        code = "AccessDenied"

    def refuse(self, policy_arn, role_name):
        if role_name == "Denied":
            raise AccessDenied("explicit deny in a service control policy on this role's tag")
        return real(self, policy_arn, role_name)

    monkeypatch.setattr(IAMBackend, "attach_role_policy", refuse)
    report = run({}, environment(), World())
    assert holders(iam, policy) == ["A1", "A2", "A4", "A5"]
    assert report["roles"]["Denied"] == ["not attached: AccessDenied: An error occurred (AccessDenied) when calling the AttachRolePolicy operation: explicit deny in a service control policy on this role's tag"]
    assert report["failed"] is True
    assert preferences()["inputs"]["s3BucketName"] == "central-logs", "the other roles' sessions log"


def test_a_role_at_its_quota_is_reported_loudly(aws):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "Full")
    for i in range(10):
        arn = iam.create_policy(PolicyName=f"p{i}", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="Full", PolicyArn=arn)
    world = World()
    report = run({}, environment(), world)
    assert "Full" not in holders(iam, policy)
    assert report["roles"]["Full"][0].startswith("at its quota of managed policies")
    assert report["failed"] is True
    [entry] = world.events
    assert entry["Source"] == "smlog.controller" and "quota" in entry["Detail"]


def test_a_permissions_boundary_that_blocks_the_agent_is_reported(aws):
    iam = boto3.client("iam")
    agent_policy(iam)
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:*", "ssm:*"], "Resource": "*"}]}))["Policy"]["Arn"]
    role(iam, "Bounded", boundary=boundary)
    report = run({}, environment(), World())
    [outcome] = [o for o in report["roles"]["Bounded"] if "boundary" in o]
    assert "s3:PutObject" in outcome and "kms:Decrypt" in outcome


def test_a_role_no_longer_selected_loses_the_policy_only_if_the_controller_attached_it(aws):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "Chosen", profile=False)
    role(iam, "Baseline", profile=False)
    iam.attach_role_policy(RoleName="Baseline", PolicyArn=policy)  # attached by an account baseline
    run({}, environment(SMLOG_AGENT_ROLE_NAMES="Chosen"), World())
    assert holders(iam, policy) == ["Baseline", "Chosen"]
    report = run({}, environment(SMLOG_AGENT_ROLE_NAMES=""), World())
    assert holders(iam, policy) == ["Baseline"]
    assert report["roles"]["Chosen"] == ["agent policy detached: no longer selected"]


def test_the_time_budget_stops_before_the_preferences_and_the_next_run_continues(aws):
    iam = boto3.client("iam")
    agent_policy(iam)
    role(iam, "Late")
    report = run({}, environment(SMLOG_TIME_BUDGET_SECONDS="0"), World())
    assert any("time budget" in n for n in report["notes"]) and report["regions"] == {}
    assert boto3.client("ssm").list_documents(Filters=[{"Key": "Name", "Values": [DOCUMENT]}])["DocumentIdentifiers"] == []
    run({}, environment(), World())
    assert preferences()["inputs"]["s3BucketName"] == "central-logs"


# ---------------------------------------------------------------- drift


def test_preferences_edited_by_hand_are_repaired_and_the_repair_reported(aws):
    iam = boto3.client("iam")
    agent_policy(iam)
    run({}, environment(), World())
    edited = preferences()
    edited["inputs"]["s3BucketName"] = ""
    ssm = boto3.client("ssm")
    version = ssm.update_document(Name=DOCUMENT, Content=json.dumps(edited), DocumentVersion="$LATEST")["DocumentDescription"]["DocumentVersion"]
    ssm.update_document_default_version(Name=DOCUMENT, DocumentVersion=version)
    world = World()
    report = run({"detail-type": "Scheduled Event"}, environment(), world)
    assert preferences()["inputs"]["s3BucketName"] == "central-logs"
    assert report["regions"]["us-east-1"] == "preferences repaired"
    [entry] = world.events
    assert json.loads(entry["Detail"])["regions"]["us-east-1"] == "preferences repaired"
    quiet = World()
    assert run({}, environment(), quiet)["regions"]["us-east-1"] == "unchanged"
    assert quiet.events == [], "a run that changed nothing reports nothing"


def test_an_unreachable_region_is_skipped_and_reported_not_a_failure(aws):
    agent_policy(boto3.client("iam"))
    report = run({}, two_regions(), World(unreachable={"eu-west-1"}))
    assert report["regions"]["eu-west-1"].startswith("skipped: not reachable (UnrecognizedClientException)")
    assert report["regions"]["us-east-1"] == "preferences written, names published"
    assert report["failed"] is False


# ---------------------------------------------------------------- forged events


def test_a_forged_reconcile_event_only_converges_to_the_templates_state(aws):
    iam = boto3.client("iam")
    agent_policy(iam)
    operator = iam.create_policy(PolicyName="smlog-session-manager-operator", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:StartSession", "Resource": "*"}]}))["Policy"]["Arn"]
    role(iam, "DevRole", profile=False)
    forged = {"Reconcile": {"PolicyArn": operator, "RoleNames": "DevRole", "InstanceProfileRoles": "false"}}
    run(forged, environment(), World())
    assert holders(iam, operator) == []
    assert preferences()["inputs"]["s3BucketName"] == "central-logs"


@pytest.mark.parametrize("status", ["UPDATE_COMPLETE", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS"])
def test_a_forged_delete_with_the_real_stack_id_removes_nothing(aws, status):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "WebServers")
    run({}, environment(), World())
    responses = Responses()
    run(cfn_event("Delete", PhysicalResourceId="smlog-account-logging"), environment(), World(Stack(status)), send=responses)
    assert responses[0]["status"] == "SUCCESS" and "not confirmed by CloudFormation" in responses[0]["reason"]
    assert holders(iam, policy) == ["WebServers"]
    assert preferences()["inputs"]["s3EncryptionEnabled"] is True


def test_a_replacements_delete_of_the_old_resource_removes_nothing(aws):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "WebServers")
    run({}, environment(), World())
    responses = Responses()
    stack = Stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", physical="smlog-account-logging")
    run(cfn_event("Delete", PhysicalResourceId="an-older-one"), environment(), World(stack), send=responses)
    assert "not confirmed" in responses[0]["reason"] and holders(iam, policy) == ["WebServers"]


@pytest.mark.parametrize("kind", ["Custom::PolicyAttachments", "Custom::SessionPreferences", "Custom::AgentPolicyReady"])
def test_the_earlier_member_stacks_resources_retire_without_giving_anything_back(aws, kind):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "WebServers")
    run({}, environment(), World())
    responses = Responses()
    run(cfn_event("Delete", kind, logical="SessionPreferences", PhysicalResourceId="SSM-SessionManagerRunShell|restore:1"),
        environment(), World(Stack("DELETE_IN_PROGRESS")), send=responses)
    assert responses[0]["status"] == "SUCCESS"
    assert holders(iam, policy) == ["WebServers"]
    assert preferences()["inputs"]["s3BucketName"] == "central-logs"


def test_a_forged_create_with_its_own_properties_writes_the_templates_preferences(aws):
    agent_policy(boto3.client("iam"))
    event = cfn_event("Create")
    event["ResourceProperties"]["Content"] = {"inputs": {"s3BucketName": "", "s3EncryptionEnabled": False}}
    run(event, environment(), World(Stack("CREATE_IN_PROGRESS")))
    assert preferences()["inputs"]["s3BucketName"] == "central-logs"


def test_an_update_while_rolling_back_waits_for_the_stack_to_settle(aws):
    agent_policy(boto3.client("iam"))
    responses = Responses()
    run(cfn_event("Update"), environment(), World(Stack("UPDATE_ROLLBACK_IN_PROGRESS")), send=responses)
    assert responses[0]["status"] == "SUCCESS" and "rolling back" in responses[0]["reason"]
    assert boto3.client("ssm").list_documents(Filters=[{"Key": "Name", "Values": [DOCUMENT]}])["DocumentIdentifiers"] == []


# ---------------------------------------------------------------- removal


BEFORE = {"schemaVersion": "1.0", "description": "team preferences", "sessionType": "Standard_Stream",
          "inputs": {"s3BucketName": "team-bucket", "s3EncryptionEnabled": False, "idleSessionTimeout": "60"}}


def test_a_confirmed_removal_gives_every_region_back_before_detaching(aws):
    iam = boto3.client("iam")
    policy = agent_policy(iam)
    role(iam, "WebServers")
    boto3.client("ssm", region_name="eu-west-1").create_document(
        Name=DOCUMENT, Content=json.dumps(BEFORE), DocumentType="Session", DocumentFormat="JSON")
    env = two_regions()
    run({}, env, World())
    assert preferences("eu-west-1")["inputs"]["s3BucketName"] == "central-logs"
    world, responses = World(Stack("DELETE_IN_PROGRESS")), Responses()
    run(cfn_event("Delete", PhysicalResourceId="smlog-account-logging"), env, world, send=responses)
    assert responses[0]["status"] == "SUCCESS"
    assert preferences("eu-west-1") == BEFORE, "the version in force before smlog"
    cleared = preferences("us-east-1")["inputs"]
    assert (cleared["s3BucketName"], cleared["kmsKeyId"], cleared["s3EncryptionEnabled"]) == ("", "", False)
    assert holders(iam, policy) == []
    assert {"Key": "smlog:attached", "Value": "agent"} not in iam.list_role_tags(RoleName="WebServers")["Tags"]
    calls = [c[2] for c in world.calls if c[2] in ("UpdateDocumentDefaultVersion", "UpdateDocument", "DetachRolePolicy")]
    assert calls.index("DetachRolePolicy") > max(i for i, c in enumerate(calls) if c != "DetachRolePolicy")


def test_removal_leaves_preferences_someone_else_wrote_since(aws):
    agent_policy(boto3.client("iam"))
    run({}, environment(), World())
    ssm = boto3.client("ssm")
    theirs = {**BEFORE, "description": "someone else's now"}
    version = ssm.update_document(Name=DOCUMENT, Content=json.dumps(theirs), DocumentVersion="$LATEST")["DocumentDescription"]["DocumentVersion"]
    ssm.update_document_default_version(Name=DOCUMENT, DocumentVersion=version)
    responses = Responses()
    run(cfn_event("Delete", PhysicalResourceId="smlog-account-logging"), environment(), World(Stack("ROLLBACK_IN_PROGRESS")), send=responses)
    assert preferences() == theirs and responses[0]["status"] == "SUCCESS"
    assert "left alone" in responses[0]["data"]["Regions"]


def test_content_smlogs_earlier_member_stack_wrote_is_given_back_to_the_version_before_it(aws):
    """The earlier handler kept its restore plan in CloudFormation; the
    controller finds the newest version that is not smlog's instead."""
    agent_policy(boto3.client("iam"))
    ssm = boto3.client("ssm")
    ssm.create_document(Name=DOCUMENT, Content=json.dumps(BEFORE), DocumentType="Session", DocumentFormat="JSON")
    legacy = copy.deepcopy(BEFORE)
    legacy.update(description="Session Manager preferences managed by smlog")
    legacy["inputs"]["s3BucketName"] = "central-logs"
    ssm.update_document(Name=DOCUMENT, Content=json.dumps(legacy), DocumentVersion="$LATEST")
    ssm.update_document_default_version(Name=DOCUMENT, DocumentVersion="2")
    run({}, environment(), World())
    assert "restore version 1" in preferences()["description"]
    run(cfn_event("Delete", PhysicalResourceId="smlog-account-logging"), environment(), World(Stack("DELETE_IN_PROGRESS")))
    assert preferences() == BEFORE


# ---------------------------------------------------------------- keys and log groups per Region


def test_per_account_keys_and_log_groups_are_found_in_each_region_by_alias(aws):
    template = member_template("govcloud")
    env = environment(template, **{"AWS::Partition": "aws"}) | {"SMLOG_REGIONS": "us-east-1,eu-west-1"}
    agent_policy(boto3.client("iam"))
    keys = {}
    for region in ("us-east-1", "eu-west-1"):
        kms = boto3.client("kms", region_name=region)
        keys[region] = {alias: kms.create_key()["KeyMetadata"]["Arn"] for alias in
                        ("alias/session-manager-logs/session", "alias/session-manager-logs/cloudwatch")}
        for alias, arn in keys[region].items():
            kms.create_alias(AliasName=alias, TargetKeyId=arn)
    boto3.client("logs", region_name="eu-west-1").create_log_group(logGroupName=env["SMLOG_LOG_GROUP"])  # kept by an earlier deployment
    run({}, env, World(), template=template)
    for region in ("us-east-1", "eu-west-1"):
        inputs = preferences(region)["inputs"]
        assert inputs["kmsKeyId"] == keys[region]["alias/session-manager-logs/session"]
        assert inputs["cloudWatchLogGroupName"] == env["SMLOG_LOG_GROUP"]
        [group] = boto3.client("logs", region_name=region).describe_log_groups(logGroupNamePrefix=env["SMLOG_LOG_GROUP"])["logGroups"]
        assert group["kmsKeyId"] == keys[region]["alias/session-manager-logs/cloudwatch"]
        assert group["retentionInDays"] == int(env["SMLOG_LOG_GROUP_RETENTION_DAYS"])


def test_a_region_whose_keys_are_not_there_yet_is_not_written(aws):
    template = member_template("per-account-keys")
    env = environment(template)
    agent_policy(boto3.client("iam"))
    report = run({}, env, World(), template=template)
    assert report["regions"]["us-east-1"].startswith("failed: NotFoundException")
    assert boto3.client("ssm").list_documents(Filters=[{"Key": "Name", "Values": [DOCUMENT]}])["DocumentIdentifiers"] == []


def test_a_multi_region_key_is_named_by_its_replica_in_each_region(aws):
    template = member_template("multi-region")
    env = environment(template) | {"SMLOG_REGIONS": "us-east-1,eu-west-1"}
    agent_policy(boto3.client("iam"))
    run({}, env, World(), template=template)
    for region in ("us-east-1", "eu-west-1"):
        assert preferences(region)["inputs"]["kmsKeyId"] == f"arn:aws:kms:{region}:{CENTRAL}:key/{MRK}"


# ---------------------------------------------------------------- published names and RDP recording


def parameters(region):
    found = boto3.client("ssm", region_name=region).get_parameters_by_path(Path="/smlog/")["Parameters"]
    return {p["Name"]: p["Value"] for p in found}


def test_the_names_baselines_read_are_published_in_every_region_repaired_and_removed(aws):
    policy = agent_policy(boto3.client("iam"))
    env = two_regions()
    run({}, env, World())
    for region in ("us-east-1", "eu-west-1"):
        assert parameters(region) == {"/smlog/agent-policy-arn": policy, "/smlog/bucket-name": "central-logs",
                                      "/smlog/session-key-arn": SESSION_KEY}
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name="/smlog/bucket-name", Value="attacker-bucket", Type="String", Overwrite=True)
    report = run({}, env, World())
    assert report["regions"]["eu-west-1"] == "names published"
    assert report["regions"]["us-east-1"] == "unchanged"
    assert parameters("eu-west-1")["/smlog/bucket-name"] == "central-logs"
    run(cfn_event("Delete", PhysicalResourceId="smlog-account-logging"), env, World(Stack("DELETE_IN_PROGRESS")))
    assert parameters("us-east-1") == {} and parameters("eu-west-1") == {}


def test_a_name_without_a_value_is_withdrawn(aws):
    agent_policy(boto3.client("iam"))
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/smlog/log-group-name", Value="/aws/ssm/session-manager", Type="String")
    report = run({}, environment(), World())
    assert "/smlog/log-group-name" not in parameters("us-east-1"), "CloudWatch is off in this configuration"
    assert report["regions"]["us-east-1"] == "preferences written, names published"


def recorded(bucket="central-logs", key=SESSION_KEY, owner=CENTRAL):
    return {"KMSKeyArn": key, "RecordingDestinations": {"S3Buckets": [{"BucketName": bucket, "BucketOwner": owner}]}}


def test_rdp_recording_is_written_only_where_configured_and_repaired(aws):
    agent_policy(boto3.client("iam"))
    env = two_regions(SMLOG_RDP_REGIONS="us-east-1")
    recordings = {"us-east-1": Recording(recorded(bucket="team-recordings", owner=ACCOUNT))}
    report = run({}, env, World(recordings=recordings))
    assert recordings["us-east-1"].preferences == recorded()
    assert report["regions"]["us-east-1"].endswith("RDP recording repaired")
    assert "eu-west-1" not in recordings, "GUI Connect is not asked where recording is not configured"
    assert "RDP" not in report["regions"]["eu-west-1"]
    quiet = run({}, env, World(recordings=recordings))
    assert quiet["regions"]["us-east-1"] == "unchanged"


def test_removal_stops_smlogs_recording_and_leaves_anyone_elses(aws):
    agent_policy(boto3.client("iam"))
    env = two_regions(SMLOG_RDP_REGIONS="us-east-1,eu-west-1")
    recordings = {}
    run({}, env, World(recordings=recordings))
    assert recordings["eu-west-1"].preferences == recorded()
    recordings["us-east-1"].preferences = recorded(bucket="someone-elses", owner=ACCOUNT)
    responses = Responses()
    run(cfn_event("Delete", PhysicalResourceId="smlog-account-logging"), env,
        World(Stack("DELETE_IN_PROGRESS"), recordings=recordings), send=responses)
    assert responses[0]["status"] == "SUCCESS"
    assert recordings["eu-west-1"].preferences is None
    assert recordings["us-east-1"].preferences == recorded(bucket="someone-elses", owner=ACCOUNT)
    assert "RDP recording left alone" in responses[0]["data"]["Regions"]
