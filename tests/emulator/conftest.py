"""Fixtures for the emulator tests: the server, an organisation, the central
stack, member stacks with their account controller, and the record of what
the emulator cannot check."""
import json
import pathlib
import re
import tempfile

import pytest
import yaml

from harness import REPO, Aws, MotoServer, smlog

REPO_EXAMPLES = REPO / "templates" / "examples"
FIXTURES = pathlib.Path(__file__).resolve().with_name("fixtures")

GAPS = []
REGIONS = ["us-east-1", "eu-west-1"]
STACK_SET = "session-manager-logging"
AGENT_POLICY = "smlog-session-manager-agent"
OPERATOR_POLICY = "smlog-session-manager-operator"
CONTROLLER = "smlog-session-logging"
DOCUMENT = "SSM-SessionManagerRunShell"
DHMC_SETTING = "/ssm/managed-instance/default-ec2-instance-management-role"
ATTACHED_TAG = "smlog:attached"
# A test device of moto_additions.py: attaching a policy to a role with this tag is AccessDenied.
REFUSE_TAG = "smlog-test:refuse"

# The roles of the first deployment, one per path by which the agent policy reaches a role.
AGENT_ROLE = "EC2-SSM-Core"  # in an instance profile
DHMC_ROLE = "AWSSystemsManagerDefaultEC2InstanceManagementRoleCustom"  # named by eu-west-1's service setting
HYBRID_ROLE = "HybridNodes"  # a hybrid activation's role
NAMED_ROLE = "SessionHostRole"  # named in member.attach.role_names
MISSING_ROLE = "NotInThisAccount"  # named too, but absent
UNRELATED_ROLE = "BuildRunner"  # none of these: never gets the policy
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'

# What EventBridge hands the controller: its repair schedule fired, and IAM's
# event for a role put into an instance profile. moto cannot route either to
# Lambda, so the tests invoke the function with the same shape.
SCHEDULE = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
IAM_EVENT = {"source": "aws.iam", "detail-type": "AWS API Call via CloudTrail",
             "detail": {"eventSource": "iam.amazonaws.com", "eventName": "AddRoleToInstanceProfile"}}


def record_gap(what, covered_by):
    """Something the emulator ignores: say so, and name what covers it instead."""
    entry = f"{what} -- covered by {covered_by}"
    if entry not in GAPS:
        GAPS.append(entry)


def pytest_terminal_summary(terminalreporter):
    if GAPS:
        terminalreporter.section("not checkable on the emulator")
        for gap in GAPS:
            terminalreporter.write_line(f"  {gap}")


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def aws(moto):
    record_gap("EventBridge delivering the repair schedule, IAM's role events and the stack's own "
               "status events to the controller (moto routes no event to Lambda)",
               "invoking the controller with each event's shape (test_account_life.py), and the rules' "
               "patterns in the golden templates")
    return Aws(moto.endpoint)


@pytest.fixture(scope="session")
def org(aws):
    """An organisation with one OU holding three member accounts (the StackSet's targets)."""
    organization = aws("organizations", "create-organization", "--feature-set", "ALL")["Organization"]
    root = aws("organizations", "list-roots")["Roots"][0]["Id"]
    ou = aws("organizations", "create-organizational-unit", "--parent-id", root,
             "--name", "workloads")["OrganizationalUnit"]["Id"]
    accounts = [create_account(aws, name, root, ou) for name in ("alpha", "beta", "gamma")]
    return {"id": organization["Id"], "root": root, "ou": ou, "accounts": accounts}


def create_account(aws, name, root, parent=None):
    """A new member account, moved from the root to `parent` when one is given."""
    status = aws("organizations", "create-account", "--email", f"{name}@example.com",
                 "--account-name", name)["CreateAccountStatus"]
    account = status["AccountId"]
    if parent:
        aws("organizations", "move-account", "--account-id", account, "--source-parent-id", root,
            "--destination-parent-id", parent)
    return account


def new_ou(aws, org, name):
    return aws("organizations", "create-organizational-unit", "--parent-id", org["root"],
               "--name", name)["OrganizationalUnit"]["Id"]


@pytest.fixture(scope="session")
def spare_account(aws, org):
    """A fresh account outside the rollout's OU, per call, as the caller's
    Aws: smlog's member resources have fixed names, so each member stack
    needs an account of its own."""
    names = iter(range(1000))
    return lambda: aws.as_account(create_account(aws, f"spare-{next(names)}", org["root"]))


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return pathlib.Path(tmp_path_factory.mktemp("smlog"))


@pytest.fixture(scope="session")
def central(aws, org, workdir):
    """The central stack from `smlog synth`, deployed with the organisation id as a parameter."""
    template = workdir / "central.yaml"
    template.write_text(smlog("synth", cwd=workdir))
    outputs = aws.deploy("smlog-central", template, {"OrganizationId": org["id"]})
    return {"outputs": outputs, "resources": aws.stack_resources("smlog-central"), "template": template}


@pytest.fixture(scope="session")
def session_key(aws):
    """A multi-Region session key with a replica in each rollout Region, as a
    rollout beyond the home Region needs. The emulator cannot build one from
    the central template (see test_regions.py): the KMS API makes it."""
    primary = aws("kms", "create-key", "--multi-region", "--description", "session key")["KeyMetadata"]
    for region in REGIONS[1:]:
        aws("kms", "replicate-key", "--key-id", primary["KeyId"], "--replica-region", region)
    return primary


@pytest.fixture(scope="session")
def values(central, session_key):
    """Every value a member template may ask for, from the central stack."""
    outputs = central["outputs"]
    return {**{name: outputs[name] for name in ("BucketName", "BucketKeyArn", "SessionKeyArn", "CentralAccountId")},
            "SessionKeyId": session_key["KeyId"]}


def two_regions(config=""):
    """A configuration (YAML text) whose rollout covers REGIONS."""
    return f"{config}rollout:\n  regions: [{', '.join(REGIONS)}]\n"


def example(name, **changes):
    """An example configuration (YAML text), with top-level sections merged into."""
    config = yaml.safe_load((REPO_EXAMPLES / f"{name}.yaml").read_text())
    for section, value in changes.items():
        if isinstance(value, dict) and isinstance(config.get(section), dict):
            config[section] = {**config[section], **value}
        else:
            config[section] = value
    return yaml.safe_dump(config, sort_keys=False)


def rollout_config(ou, config=""):
    """A configuration whose rollout covers REGIONS in the accounts of `ou`."""
    return f"{config}rollout:\n  organizational_unit_ids: [{ou}]\n  regions: [{', '.join(REGIONS)}]\n"


# ---------------------------------------------------------------- reading an account


def preferences(aws):
    """The default version of SSM-SessionManagerRunShell, parsed."""
    document = aws("ssm", "get-document", "--name", DOCUMENT, "--document-format", "JSON")
    content = document["Content"]
    return json.loads(content) if isinstance(content, str) else content


def logging_to(aws, regions=REGIONS):
    """Per Region: the bucket, prefix and encryption the preferences ask for."""
    found = {}
    for region in regions:
        inputs = preferences(aws.in_region(region))["inputs"]
        found[region] = (inputs["s3BucketName"], inputs["s3KeyPrefix"], inputs["s3EncryptionEnabled"])
    return found


def logging_as_configured(bucket, account, regions=REGIONS):
    return {region: (bucket, f"{account}/{region}", True) for region in regions}


def holders(aws, policy_arn):
    """The roles a managed policy is attached to, sorted."""
    roles = aws("iam", "list-entities-for-policy", "--policy-arn", policy_arn, "--entity-filter", "Role")
    return sorted(role["RoleName"] for role in roles["PolicyRoles"])


def policy_arn(aws, name=AGENT_POLICY):
    return f"arn:aws:iam::{aws.account_id()}:policy/{name}"


def policy_document(aws, arn):
    """The policy's default version, parsed."""
    import urllib.parse
    policy = aws("iam", "get-policy", "--policy-arn", arn)["Policy"]
    version = aws("iam", "get-policy-version", "--policy-arn", arn,
                  "--version-id", policy["DefaultVersionId"])["PolicyVersion"]
    document = version["Document"]
    return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document


def statement(document, sid):
    [found] = [s for s in document["Statement"] if s["Sid"] == sid]
    return found


def role(aws, name, path="/", tags=()):
    aws("iam", "create-role", "--role-name", name, "--path", path, "--assume-role-policy-document", TRUST,
        *(["--tags", *[f"Key={k},Value={v}" for k, v in tags]] if tags else []))


def instance_profile_role(aws, name, path="/", tags=()):
    """A role in an instance profile of the same name: what EC2 instances run as."""
    role(aws, name, path, tags)
    aws("iam", "create-instance-profile", "--instance-profile-name", name)
    aws("iam", "add-role-to-instance-profile", "--instance-profile-name", name, "--role-name", name)


def invoke(aws, payload):
    """Invokes the account controller with `payload`; returns what it returned (its report)."""
    with tempfile.TemporaryDirectory() as folder:
        out = pathlib.Path(folder) / "out.json"
        answer = aws("lambda", "invoke", "--function-name", CONTROLLER,
                     "--payload", json.dumps(payload), str(out))
        result = json.loads(out.read_text())
    assert "FunctionError" not in answer, result
    return result


def controller_log(aws):
    """The JSON lines the controller logged, oldest first: one report per run."""
    group = f"/aws/lambda/{CONTROLLER}"
    streams = aws("logs", "describe-log-streams", "--log-group-name", group)["logStreams"]
    reports = []
    for stream in sorted(streams, key=lambda s: s.get("firstEventTimestamp", 0)):
        events = aws("logs", "get-log-events", "--log-group-name", group,
                     "--log-stream-name", stream["logStreamName"])["events"]
        reports += [json.loads(e["message"]) for e in events if e["message"].startswith("{")]
    return reports


REPORTS = "/smlog-tests/controller-reports"


def collect_reports(aws):
    """Routes the reports the controller sends to the account's default
    event bus into a log group: they outlive the controller's own log
    group, which goes with its stack. Call before the runs to collect."""
    aws("logs", "create-log-group", "--log-group-name", REPORTS)
    aws("events", "put-rule", "--name", "smlog-tests-reports",
        "--event-pattern", json.dumps({"source": ["smlog.controller"]}))
    arn = f"arn:aws:logs:{aws.region}:{aws.account_id()}:log-group:{REPORTS}"
    aws("events", "put-targets", "--rule", "smlog-tests-reports", "--targets", f"Id=reports,Arn={arn}")


def reports(aws):
    """The reports collected so far (each run that changed or failed something sends one), oldest first."""
    found = []
    for stream in aws("logs", "describe-log-streams", "--log-group-name", REPORTS)["logStreams"]:
        events = aws("logs", "get-log-events", "--log-group-name", REPORTS,
                     "--log-stream-name", stream["logStreamName"])["events"]
        found += [(e["timestamp"], json.loads(e["message"])) for e in events]
    return [event["detail"] for _, event in sorted(found, key=lambda pair: pair[0])]


def by_region(text):
    """A ControllerRegions output ('eu-west-1: a, b, us-east-1: c') as {Region: outcome}."""
    return dict(re.findall(r"([a-z]{2}(?:-[a-z]+)+-\d+): (.*?)(?=, [a-z]{2}(?:-[a-z]+)+-\d+: |$)", text))


def preferences_outcome(outcome):
    """What a run did to one Region's preferences, out of everything it did there
    ('log group created, preferences written' -> 'preferences written')."""
    parts = [part.strip() for part in outcome.split(",")]
    return next((p for p in parts if p.startswith(("preferences", "unchanged", "failed", "skipped", "restored",
                                                    "logging settings", "left alone"))), outcome)


def preferences_outcomes(regions):
    """{Region: outcome} -> {Region: what happened to its preferences}."""
    return {region: preferences_outcome(outcome) for region, outcome in regions.items()}


def failures(aws, stack):
    """The failed events of a stack, oldest first: what CloudFormation says went wrong."""
    events = aws("cloudformation", "describe-stack-events", "--stack-name", stack)["StackEvents"]
    return [f"{e['LogicalResourceId']} {e['ResourceStatus']}: {e.get('ResourceStatusReason', '')}"
            for e in reversed(events) if e["ResourceStatus"].endswith("FAILED")]


def stack_status(aws, stack):
    return aws("cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"][0]["StackStatus"]


def delete_stack(aws, stack):
    """delete-stack + wait, by the stack's id; returns the final status."""
    stack_id = aws("cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"][0]["StackId"]
    aws("cloudformation", "delete-stack", "--stack-name", stack)
    aws.run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack_id, check=False)
    return stack_status(aws, stack_id)


# ---------------------------------------------------------------- member stacks


class Member:
    """A member stack as a user deploys it: `smlog synth member` from a
    configuration, then create-stack (and update-stack) with the central
    stack's values for the parameters the template declares."""

    def __init__(self, aws, folder, values, stack="smlog-member"):
        self.aws, self.folder, self.values, self.stack = aws, folder, values, stack
        self.account = aws.account_id()
        self.template = folder / "member.yaml"
        self.overrides = {}

    def synth(self, config):
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "smlog.yaml").write_text(config)
        self.template.write_text(smlog("synth", "member", cwd=self.folder))

    def parameters(self):
        declared = yaml.safe_load(self.template.read_text()).get("Parameters", {})
        chosen = {k: v for k, v in {**self.values, **self.overrides}.items() if k in declared}
        # The aws CLI's shorthand splits values on commas: role lists keep theirs escaped.
        return [f"ParameterKey={k},ParameterValue={v.replace(',', chr(92) + ',')}" for k, v in chosen.items()]

    def deploy(self, config, **overrides):
        self.synth(config)
        self.overrides.update(overrides)
        self.aws("cloudformation", "create-stack", "--stack-name", self.stack, "--template-body",
                 f"file://{self.template}", "--capabilities", "CAPABILITY_NAMED_IAM",
                 "--parameters", *self.parameters())
        self.wait("stack-create-complete")
        self.stack_id = self.aws("cloudformation", "describe-stacks", "--stack-name", self.stack)["Stacks"][0]["StackId"]
        return self

    def update(self, config=None, **overrides):
        if config is not None:
            self.synth(config)
        self.overrides.update(overrides)
        self.aws("cloudformation", "update-stack", "--stack-name", self.stack, "--template-body",
                 f"file://{self.template}", "--capabilities", "CAPABILITY_NAMED_IAM",
                 "--parameters", *self.parameters())
        self.wait("stack-update-complete")
        return self

    def wait(self, what):
        """`aws cloudformation wait`; on failure, the reasons the stack's events give."""
        if self.aws.run("cloudformation", "wait", what, "--stack-name", self.stack, check=False).returncode != 0:
            raise AssertionError(f"{self.stack}: {self.status}\n" + "\n".join(failures(self.aws, self.stack)))

    def deploy_regional(self, config, regions=REGIONS, stack="smlog-member-regional"):
        """The regional stack (the account's keys) in each Region, deployed
        before the member stack, as its StackSet's auto-deployment orders it."""
        self.synth(config)
        regional = self.folder / "member-regional.yaml"
        regional.write_text(smlog("synth", "member-regional", cwd=self.folder))
        return {region: self.aws.in_region(region).deploy(stack, regional) for region in regions}

    @property
    def outputs(self):
        return self.aws.outputs(self.stack)

    @property
    def status(self):
        return stack_status(self.aws, self.stack)

    @property
    def agent_policy(self):
        return f"arn:aws:iam::{self.account}:policy/{AGENT_POLICY}"

    def run(self, payload=SCHEDULE):
        """One run of the controller, as its schedule (by default) would start it."""
        return invoke(self.aws, payload)


@pytest.fixture(scope="session")
def member(aws, central, values, workdir):
    """The default member stack in the management account (where StackSets
    never deploy), rolled out to two Regions, with a role on every path the
    agent policy takes: an instance-profile role, the role eu-west-1's
    Default Host Management setting names (a custom one under
    service-role/), a hybrid activation's role, and a named role; and a
    named role this account lacks."""
    instance_profile_role(aws, AGENT_ROLE)
    role(aws, DHMC_ROLE, path="/service-role/")
    aws.in_region("eu-west-1")("ssm", "update-service-setting", "--setting-id", DHMC_SETTING,
                               "--setting-value", f"service-role/{DHMC_ROLE}")
    role(aws, HYBRID_ROLE)
    aws("ssm", "create-activation", "--iam-role", HYBRID_ROLE)
    role(aws, NAMED_ROLE)
    role(aws, UNRELATED_ROLE)
    config = two_regions(f"member:\n  attach:\n    role_names: [{NAMED_ROLE}, {MISSING_ROLE}]\n")
    return Member(aws, workdir / "member", values).deploy(config)


@pytest.fixture(scope="session")
def rollout(aws, org, values, workdir):
    """The default rollout over the OU's accounts, two Regions, each account
    with an instance role: the StackSet and its instances made from the CLI
    inputs `smlog synth all` writes, as a management account would."""
    for account in org["accounts"]:
        instance_profile_role(aws.as_account(account), AGENT_ROLE)
    folder = workdir / "rollout"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(rollout_config(org["ou"]))
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    template = yaml.safe_load((folder / "stacksets/member.yaml").read_text())
    parameters = [f"ParameterKey={k},ParameterValue={v}" for k, v in values.items() if k in template["Parameters"]]
    aws("cloudformation", "create-stack-set", "--cli-input-json",
        f"file://{folder / 'stacksets/create-stack-set.json'}", "--parameters", *parameters)
    operation = aws("cloudformation", "create-stack-instances", "--cli-input-json",
                    f"file://{folder / 'stacksets/create-stack-instances.json'}")["OperationId"]
    record_gap("StackSet auto-deployment and operation preferences",
               "rule stackset_service_managed_auto_deploy; an account added later is deployed here with "
               "create-stack-instances, as auto-deployment would")
    record_gap("the rollout stack's AWS::CloudFormation::StackSet resource",
               "the same StackSet created from stacksets/create-stack-set.json, and a test that its "
               "TemplateBody is the member template")
    return {"operation": operation, "folder": folder, "parameters": parameters}
