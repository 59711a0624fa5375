"""The generated runbook (DEPLOY.md), run as a newcomer runs it, for the
defaults and every example: `smlog synth all`, then each step's commands in
order by bash, with the step's account's credentials against a moto_server,
the variables a step captures carried on. The test is the user: it makes the
organisation, fills the `<placeholders>`, puts emulator things where the
example names real ones, and does the step left to the user's hands. Each
step is held to its promise: stacks CREATE_COMPLETE, StackSet operations
SUCCEEDED with an instance in each account of the targeted OUs (never the
management account) and Region, every `smlog verify` check passing there.
The server is this file's (`serve`): moto_lambda.py's Lambda runtime, and
what the runbook's commands need that moto 5.2.1 lacks, each as AWS behaves.
"""
import ctypes
import itertools
import json
import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import types
import urllib.request

import pytest
import yaml

from conftest import record_gap

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLES = REPO / "templates" / "examples"
CONFIGURATIONS = ["defaults"] + sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
MEMBER_ROLE = "OrganizationAccountAccessRole"
MANAGEMENT = "123456789012"  # moto's default account: the organisation's management account
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}
# The examples' stand-ins for an organisation and its log archive account.
EXAMPLE_ORGANIZATION, EXAMPLE_ROOT, EXAMPLE_ACCOUNT = "o-a1b2c3d4e5", "r-ab12", "111111111111"
# Resource types moto_server's CloudFormation skips, and what covers them instead.
SKIPPED = {
    "AWS::CloudFormation::StackSet": "the same StackSets made from the CLI inputs in the steps before",
    "AWS::Organizations::Policy": "rules/guardrail.guard, and test_estate.py's SCP made with the Organizations API",
    "AWS::SSO::PermissionSet": "the operator policy rules and the permission set's golden template",
    "AWS::S3::BucketPolicy": "the bucket_policy_* rules",
}


# ---------------------------------------------------------------- the server
def _patch_cloudformation():
    """Stacks as in AWS: a change set's stack has its template's Outputs
    (moto's none); no Outputs until created (moto builds them on every
    DescribeStacks, making any resource they name not made yet: a controller
    asking for its own stack would run again inside itself), none for a
    skipped resource; `deploy --s3-bucket`'s path-style URL at this endpoint
    is read (moto: localhost only); ActivateOrganizationsAccess answers;
    AWS::Partition and AWS::URLSuffix are the Region's (moto: always aws)."""
    from urllib.parse import urlparse
    from moto.cloudformation import models, parsing, responses, utils
    from moto.core.responses import EmptyResult
    from moto.utilities.utils import get_partition
    apply = models.ChangeSet.apply
    resource_map_init = parsing.ResourceMap.__init__

    def resource_map(self, *args, **kwargs):
        resource_map_init(self, *args, **kwargs)
        partition = get_partition(self._region_name)
        self._parsed_resources.update({"AWS::Partition": partition, "AWS::URLSuffix": "amazonaws.com.cn"
                                       if partition == "aws-cn" else "amazonaws.com"})

    def apply_with_outputs(self):
        apply(self)
        self.stack.template_dict = self.template_dict
        self.stack.output_map = parsing.OutputMap(self.stack.resource_map, self.template_dict,
                                                  self.stack.stack_id)

    def outputs(self):
        if self.status in ("CREATE_PENDING", "CREATE_IN_PROGRESS", "REVIEW_IN_PROGRESS"):
            return None
        found = []
        for key in list(self.output_map.outputs):
            try:
                output = self.output_map[key]
            except Exception:  # it names a resource the emulator skipped
                continue
            if output:
                found.append({"OutputKey": output.key, "OutputValue": output.value,
                              "Description": output.description})
        return found or None

    read = utils.get_stack_from_s3_url

    def get_stack_from_s3_url(url, account_id, partition):
        if urlparse(url).hostname == "127.0.0.1":
            url = url.replace("127.0.0.1", "localhost", 1)
        return read(url, account_id, partition)

    parsing.ResourceMap.__init__ = resource_map
    models.ChangeSet.apply = apply_with_outputs
    models.Stack.outputs = property(outputs)
    for module in (utils, models, responses):
        module.get_stack_from_s3_url = get_stack_from_s3_url
    responses.CloudFormationResponse.activate_organizations_access = lambda self: EmptyResult()


def _patch_stack_sets():
    """Service-managed StackSets as in AWS: instances in the accounts under
    the targeted OUs but never the management account, made by it or by a
    delegated administrator; each a stack DescribeStacks finds in its account
    (its controller asks); CreateStackInstances answering at once, RUNNING
    until done (moto works within the call, past the CLI's 60 s timeout)."""
    import threading
    import uuid
    from moto.cloudformation import models
    from moto.cloudformation.exceptions import ValidationError
    from moto.organizations.models import FakeDelegatedAdministrator, organizations_backends
    FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("member.org.stacksets.cloudformation.amazonaws.com")

    def org_backend(self):
        owner, _ = organizations_backends.master_accounts.get(self.account_id, (self.account_id, None))
        backend = organizations_backends[owner][self.partition]
        management = backend.org.master_account_id if backend.org else None
        return types.SimpleNamespace(ou=backend.ou, accounts=[a for a in backend.accounts if a.id != management])

    stack_init = models.Stack.__init__

    def init(self, *args, **kwargs):
        stack_init(self, *args, **kwargs)
        if ":stack/hiddenstackfor" in self.stack_id:
            models.cloudformation_backends[self.account_id][self.region_name].stacks[self.stack_id] = self

    create = models.StackSet.create_stack_instances

    def create_later(self, accounts, regions, deployment_targets, parameters):
        if self.permission_model == "SERVICE_MANAGED" and "OrganizationalUnitIds" not in (deployment_targets or {}):
            raise ValidationError(message="OrganizationalUnitIds are required")
        operation_id = str(uuid.uuid4())
        self._create_operation(operation_id=operation_id, action="CREATE", status="RUNNING",
                               accounts=accounts, regions=regions)

        def work():
            status = "FAILED"
            try:
                done = create(self, accounts, regions, deployment_targets, parameters)
                status = self.get_operation(done)["Status"]
                self.operations = [o for o in self.operations if o["OperationId"] != done]
            finally:
                self.update_operation(operation_id, status)

        threading.Thread(target=work, daemon=True).start()
        return operation_id

    models.StackInstances.org_backend = property(org_backend)
    models.Stack.__init__ = init
    models.StackSet.create_stack_instances = create_later


def _patch_kms():
    """MultiRegion keys (id mrk- and 32 hex digits, as in AWS), AWS::KMS::ReplicaKey replicating PrimaryKeyArn into
    the stack's Region with aliases of its own; key policies as text, which KMS keeps and DescribeKey parses."""
    import uuid
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.kms import models, responses
    models.generate_key_id = lambda multi_region=False: (
        f"mrk-{uuid.uuid4().hex}" if multi_region else str(uuid.uuid4()))
    validate = responses.KmsResponse._validate_cmk_id

    def validate_cmk_id(self, key_id):
        if not re.fullmatch(r"mrk-[0-9a-f]{32}", key_id) or key_id not in self.kms_backend.keys:
            validate(self, key_id)

    responses.KmsResponse._validate_cmk_id = validate_cmk_id
    policy_text = lambda policy: policy if isinstance(policy, str) else json.dumps(policy)  # noqa: E731

    def create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        key = models.kms_backends[account_id][region_name].create_key(
            policy=policy_text(properties["KeyPolicy"]), description=properties.get("Description"),
            tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])], key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT", multi_region=bool(properties.get("MultiRegion")))
        key.key_rotation_status = properties.get("EnableKeyRotation", False)
        return key

    class ReplicaKey(CloudFormationModel):
        __module__ = "moto.kms.models"  # moto files a model under the service its module names

        @staticmethod
        def cloudformation_type():
            return "AWS::KMS::ReplicaKey"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                            **kwargs):
            properties = cloudformation_json["Properties"]
            primary = properties["PrimaryKeyArn"]
            replica = models.kms_backends[account_id][primary.split(":")[3]].replicate_key(
                primary.split("/")[-1], region_name)
            replica.policy, replica.aliases = policy_text(properties["KeyPolicy"]), {}  # moto's copy() shared the primary's
            replica.description = properties.get("Description", "")
            return replica

    models.Key.create_from_cloudformation_json = classmethod(create_key)
    parsing.get_model_map.cache_clear()
    assert "AWS::KMS::ReplicaKey" in parsing.get_model_map()


def serve(argv):
    sys.path.insert(0, str(HERE))
    import moto_lambda
    port = int(argv[argv.index("-p") + 1])
    os.environ["MOTO_PORT"] = str(port)
    moto_lambda.install(argv[argv.index("-H") + 1], port)
    # CloudFormation waits ServiceTimeout (the member template's 360 s); the cap
    # keeps calls under the CLI's read timeout, which StackSet calls here are not.
    assert hasattr(moto_lambda, "CUSTOM_RESOURCE_LIMIT")
    moto_lambda.CUSTOM_RESOURCE_LIMIT = 360.0
    for patch in (_patch_cloudformation, _patch_stack_sets, _patch_kms):
        patch()
    from moto.server import main
    main(argv)


def _die_with_parent():
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


class Emulator:
    """This file's moto_server on 127.0.0.1, for one configuration's run."""

    def __init__(self, log_path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "-H", "127.0.0.1", "-p", self.endpoint.rsplit(":", 1)[1]],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"moto_server exited: see {log_path}"
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)
                return
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not answer within a minute"
                time.sleep(0.2)

    def stop(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is None:
                os.killpg(self.process.pid, sig)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        self.log.close()

    def env(self, credentials, region):
        env = dict({k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **credentials)
        env.update(AWS_ENDPOINT_URL=self.endpoint, AWS_DEFAULT_REGION=region, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
        return env


class Account:
    """The aws CLI as one account, in one Region, against the emulator."""

    def __init__(self, emulator, region, credentials=None, account_id=MANAGEMENT):
        self.emulator, self.region, self.id = emulator, region, account_id
        self.credentials = credentials or FAKE_CREDENTIALS

    def run(self, *args, check=True):
        result = subprocess.run(["aws", "--output", "json", *args], capture_output=True, text=True,
                                env=self.emulator.env(self.credentials, self.region), timeout=300)
        assert not check or result.returncode == 0, f"aws {' '.join(args)}:\n{result.stderr}"
        return result

    def __call__(self, *args):
        return json.loads(self.run(*args).stdout.strip() or "null")

    def in_region(self, region):
        return Account(self.emulator, region, self.credentials, self.id)

    def bucket(self, name):
        elsewhere = ["--create-bucket-configuration", f"LocationConstraint={self.region}"]
        self("s3api", "create-bucket", "--bucket", name, *(elsewhere if self.region != "us-east-1" else []))


def smlog_binary():
    built = [REPO / "target" / p / "smlog" for p in ("debug", "release") if (REPO / "target" / p / "smlog").exists()]
    if not os.environ.get("SMLOG_BIN") and not built:
        subprocess.run(["cargo", "build", "--quiet"], cwd=REPO, check=True)
    return os.environ.get("SMLOG_BIN") or str(built[0] if built else REPO / "target" / "debug" / "smlog")


# ---------------------------------------------------------- the organisation
class Organisation:
    """What a runbook needs: the targeted OUs, each with a member account
    (the root's through an OU beneath it: one per OU keeps a run short), a
    log archive account, a delegated administrator if the rollout has one."""

    def __init__(self, emulator, settings):
        self.home = settings.get("home_region", "us-east-1")
        self.partition = {"cn": "aws-cn", "us-gov": "aws-us-gov"}.get(self.home.rsplit("-", 2)[0], "aws")
        self.management = Account(emulator, self.home)
        self.id = self.management("organizations", "create-organization",
                                  "--feature-set", "ALL")["Organization"]["Id"]
        self.root = self.management("organizations", "list-roots")["Roots"][0]["Id"]
        self.accounts = {}  # account id -> its parent
        rollout = settings.get("rollout") or {}
        configured = rollout.get("organizational_unit_ids") or []
        self.ou_of = {ou: self.root if ou.startswith("r-") else self.new_ou(ou) for ou in configured}
        self.targets = list(self.ou_of.values()) or [self.new_ou("placeholder")]
        for target in self.targets:
            self.new_account(self.new_ou("workloads") if target == self.root else target)
        self.members = list(self.accounts)
        self.central = self.new_account(self.root)
        self.delegated = self.new_account(self.root) if rollout.get("call_as") == "DELEGATED_ADMIN" else None
        self.excluded = [str(a) for a in rollout.get("exclude_accounts") or []]

    def new_ou(self, name):
        return self.management("organizations", "create-organizational-unit", "--parent-id", self.root,
                               "--name", name)["OrganizationalUnit"]["Id"]

    def new_account(self, parent):
        name = f"account-{len(self.accounts)}"
        account = self.management("organizations", "create-account", "--email", f"{name}@example.com",
                                  "--account-name", name)["CreateAccountStatus"]["AccountId"]
        if parent != self.root:
            self.management("organizations", "move-account", "--account-id", account,
                            "--source-parent-id", self.root, "--destination-parent-id", parent)
        self.accounts[account] = parent
        return account

    def as_account(self, account_id):
        if account_id == MANAGEMENT:
            return self.management
        creds = self.management("sts", "assume-role", "--role-session-name", "runbook", "--role-arn",
                                f"arn:{self.partition}:iam::{account_id}:role/{MEMBER_ROLE}")["Credentials"]
        return Account(self.management.emulator, self.home, {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}, account_id)

    def reached(self):
        """Where a StackSet on the targeted OUs deploys: never the management
        account; through the root, every other account."""
        reached = [a for a, parent in self.accounts.items() if self.root in self.targets or parent in self.targets]
        return sorted(a for a in reached if a not in self.excluded)


def configuration(org, settings):
    """The example with the emulator's organisation, root, OUs and log archive
    account for its stand-ins; what it says exists (an existing bucket and
    key, an access log bucket) made there."""
    text = yaml.safe_dump(settings, sort_keys=False) if settings else ""
    for example, emulated in org.ou_of.items():
        text = text.replace(example, emulated)
    text = text.replace(EXAMPLE_ROOT, org.root).replace(EXAMPLE_ORGANIZATION, org.id)
    text = text.replace(EXAMPLE_ACCOUNT, org.central)
    settings = yaml.safe_load(text) or {}
    central = org.as_account(org.central)
    existing = settings.get("existing_bucket")
    if existing:
        here = central.in_region(existing["key_arn"].split(":")[3])
        key = here("kms", "create-key", "--description", "the log archive's key")["KeyMetadata"]["Arn"]
        text = text.replace(existing["key_arn"], key)
        here.bucket(existing["name"])
        team = {"Version": "2012-10-17", "Statement": [{
            "Sid": "TeamReadsItsLogs", "Effect": "Allow", "Action": "s3:GetObject",
            "Principal": {"AWS": f"arn:{org.partition}:iam::{org.central}:root"},
            "Resource": f"arn:{org.partition}:s3:::{existing['name']}/*"}]}
        here("s3api", "put-bucket-policy", "--bucket", existing["name"], "--policy", json.dumps(team))
    access_logs = (settings.get("retention") or {}).get("access_log_bucket")
    if access_logs:
        central.bucket(access_logs)
    return text


def instance_roles(org):
    """An instance profile role in the management account and every member account, for the controllers to attach to."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    for aws in [org.as_account(account) for account in [MANAGEMENT] + org.members]:
        aws("iam", "create-role", "--role-name", "EC2-SSM-Core", "--assume-role-policy-document", trust)
        aws("iam", "create-instance-profile", "--instance-profile-name", "EC2-SSM-Core")
        aws("iam", "add-role-to-instance-profile", "--instance-profile-name", "EC2-SSM-Core", "--role-name", "EC2-SSM-Core")


def private_vpc(aws):
    """A VPC with two private subnets and a route table: the endpoints' placeholders."""
    vpc = aws("ec2", "create-vpc", "--cidr-block", "10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", f"10.20.{i}.0/24",
                   "--availability-zone", f"{aws.region}{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    table = aws("ec2", "create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    return {"vpc id": vpc, "subnet ids": ",".join(subnets), "vpc cidrs": "10.20.0.0/16", "route table ids": table}


# ---------------------------------------------------------------- the runbook
class Step(types.SimpleNamespace):
    def __repr__(self):
        return f"step {self.number} ({self.title})"


def read_runbook(text):
    steps, in_code = [], False
    for line in text.splitlines():
        if in_code:
            in_code = line != "```"
            if in_code:
                steps[-1].lines.append(line)
        elif match := re.match(r"^### (\d+)\. (.+)$", line):
            steps.append(Step(number=int(match[1]), title=match[2], account=None, region=None, by_hand=None,
                              lines=[]))
        elif match := re.match(r"^\*\*Account:\*\* (.+) · \*\*Region:\*\* (.+)$", line):
            steps[-1].account, steps[-1].region = match[1], match[2]
        elif line.startswith("**By hand:** "):
            steps[-1].by_hand = line
        elif line == "```sh":
            in_code = True
    assert [s.number for s in steps] == list(range(1, len(steps) + 1)), "steps are numbered in order"
    return steps


def placeholders(text):
    """The runbook's list of the values only the user knows."""
    return re.findall(r"^\| `<([^>]+)>` \|", text, re.M)


def commands(code):
    """A step's commands as words, continuations joined, without a capture's `NAME=$(…)` or a `> FILE`."""
    joined = re.sub(r" \\\n\s*", " ", code)
    return [shlex.split(re.sub(r"^[A-Z_]+=\$\((.*)\)$", r"\1", line).split(" > ")[0])
            for line in joined.splitlines()]


def flag(words, name, many=False):
    """The value(s) after `--name`."""
    at = words.index(f"--{name}") + 1 if f"--{name}" in words else len(words)
    values = list(itertools.takewhile(lambda word: not word.startswith("--"), words[at:]))
    return values if many else (values or [None])[0]


# Who runs a step, by the runbook's name for the account.
ACCOUNTS = {
    "management account": lambda org: org.management,
    "StackSets delegated administrator account": lambda org: org.as_account(org.delegated),
    "central (log archive) account": lambda org: org.as_account(org.central),
    "IAM Identity Center administration account (the management account or Identity Center's "
    "delegated administrator)": lambda org: org.management,
    "each account with a VPC whose nodes have no internet route": lambda org: org.as_account(org.members[0]),
}


class Runner:
    """Runs a runbook's steps in order, as its user: credentials per step,
    placeholders filled, variables carried, the by-hand step done."""

    def __init__(self, emulator, org, out, work, text):
        self.emulator, self.org, self.out, self.work = emulator, org, out, work
        self.variables, self.stack_sets = {}, []
        (work / "bin").mkdir()
        (work / "bin" / "smlog").symlink_to(smlog_binary())
        self.path = f"{work / 'bin'}:{os.environ['PATH']}"
        self.values = {"OU ids": ",".join(org.targets), "member admin role": MEMBER_ROLE,
                       "Identity Center Region": org.home, "VPC Region": org.home,
                       "delegated administrator account id": org.delegated}
        if "vpc id" in placeholders(text):
            self.values.update(private_vpc(org.as_account(org.members[0])))
        unknown = set(placeholders(text)) - set(self.values) - {"template bucket"}
        assert not unknown, f"placeholders this test cannot fill: {unknown}"

    def fill(self, step, account):
        """The step's code with its placeholders filled, as the user would;
        the template bucket is one of the step's account, in its Region."""
        region = step.region.strip("`")
        region = self.values.get(region.strip("<>"), region)
        values = dict(self.values, **{"template bucket": f"templates-{account.id}-{region}"})
        if "<template bucket>" in "\n".join(step.lines):
            here = account.in_region(region)
            if here.run("s3api", "head-bucket", "--bucket", values["template bucket"], check=False).returncode:
                here.bucket(values["template bucket"])
        return re.sub(r"<([^>]+)>", lambda m: values[m[1]], "\n".join(step.lines))

    def run(self, step):
        if step.by_hand:
            assert step.title == "Merge smlog's statements into them", f"{step}: a by-hand step this test cannot do"
            return merge_statements(self.out)
        assert step.account in ACCOUNTS, f"{step}: an account this test does not know: {step.account}"
        account = ACCOUNTS[step.account](self.org)
        code = self.fill(step, account)
        verify = all(words[:2] == ["smlog", "verify"] for words in commands(code))
        captured = re.findall(r"^([A-Z_]+)=\$\(", code, re.M)
        state = self.work / f"state-{step.number}"
        script = ["set -uo pipefail" if verify else "set -euo pipefail"]
        script += [f"{name}={shlex.quote(value)}" for name, value in self.variables.items()]
        script += [code] + [f'printf "%s\\0%s\\0" {name} "${name}" >> {state}' for name in captured]
        env = self.emulator.env(account.credentials, self.org.home)
        # A call that outlives the CLI's read timeout fails instead of being sent twice.
        env.update(PATH=self.path, AWS_MAX_ATTEMPTS="1")
        result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=self.out, env=env,
                                capture_output=True, text=True, timeout=900)
        assert verify or result.returncode == 0, f"{step} failed:\n{code}\n{result.stdout}\n{result.stderr}"
        if captured:
            parts = state.read_text().split("\0")[:-1]
            self.variables.update(zip(parts[::2], parts[1::2]))
            empty = [name for name in captured if self.variables[name] in ("", "None")]
            assert not empty, f"{step}: nothing captured into {empty}"
        for words in commands(code):
            if words[:3] == ["aws", "cloudformation", "deploy"]:
                self.check_stack(step, account.in_region(flag(words, "region")), words)
            elif words[:3] == ["aws", "cloudformation", "describe-stack-set-operation"]:
                self.check_stack_set(step, account.in_region(flag(words, "region")), words, result)
            elif words[:2] == ["smlog", "verify"]:
                self.check_verify(step, words, result)

    def check_stack(self, step, aws, words):
        stack, template = flag(words, "stack-name"), flag(words, "template-file")
        [described] = aws("cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"]
        assert described["StackStatus"] == "CREATE_COMPLETE", f"{step}: {stack}: {described}"
        listed = aws("cloudformation", "list-stack-resources", "--stack-name", stack)["StackResourceSummaries"]
        made = {r["LogicalResourceId"] for r in listed if r.get("PhysicalResourceId")}
        for logical, resource in yaml.safe_load((self.out / template).read_text())["Resources"].items():
            if logical not in made and resource["Type"] in SKIPPED:
                record_gap(f"{resource['Type']} ({template}): moto_server's CloudFormation skips it", SKIPPED[resource["Type"]])
                aws("cloudformation", "validate-template", "--template-body", f"file://{self.out / template}")

    def check_stack_set(self, step, aws, words, result):
        """The operation SUCCEEDED (asked again while RUNNING, as the step
        says), with an instance in every account reached and every Region."""
        name, operation = flag(words, "stack-set-name"), flag(words, "operation-id")
        call_as = ["--call-as", flag(words, "call-as")] if flag(words, "call-as") else []
        [create] = [w for w in commands("\n".join(step.lines)) if w[2:3] == ["create-stack-instances"]]
        status = result.stdout.strip().splitlines()[-1]
        deadline = time.monotonic() + 900  # a guard against a hang, not a measure
        while status == "RUNNING" and time.monotonic() < deadline:
            time.sleep(2)
            status = aws("cloudformation", "describe-stack-set-operation", "--stack-set-name", name,
                         "--operation-id", self.variables[operation.lstrip("$")], *call_as)["StackSetOperation"]["Status"]
        instances = aws("cloudformation", "list-stack-instances", "--stack-set-name", name, *call_as)["Summaries"]
        assert status == "SUCCEEDED", f"{step}: the operation is {status}: {json.dumps(instances, indent=1)}"
        expected = sorted((a, r) for a in self.org.reached() for r in flag(create, "regions", many=True))
        assert sorted((i["Account"], i["Region"]) for i in instances) == expected, step
        for instance in instances:
            assert (instance["Status"], instance["StackInstanceStatus"]["DetailedStatus"]) == (
                "CURRENT", "SUCCEEDED"), instance
        self.stack_sets.append(name)

    def check_verify(self, step, words, result):
        lines = result.stdout.splitlines()
        if "--central" in words:
            # Nobody started a session: every account is silent; the bucket (and an existing one's policies) was read.
            assert result.returncode in (0, 1) and any(l.startswith("Session logs in ") for l in lines), result.stdout
            policies = [line for line in lines if " grants " in line or "default encryption" in line]
            assert all(line.startswith("✔") for line in policies), f"{step}: {policies}"
            return
        for account in self.org.reached():
            mine = [line for line in lines if line.split(" ")[1:2] == [account]]
            assert any(line.startswith("✔") for line in mine), f"{step}: nothing checked in {account}:\n{result.stdout}"
            assert not [line for line in mine if line.startswith("✘")], f"{step}: {account}:\n{result.stdout}"


def merge_statements(out):
    """What the runbook asks the user to do by hand: smlog's statements into
    the existing policies, keeping the others, replacing one of the same Sid."""
    required = json.loads((out / "templates" / "central-statements.json").read_text())
    for file, key in (("existing-bucket-policy.json", "BucketPolicyStatements"), ("existing-key-policy.json", "KeyPolicyStatements")):
        policy = json.loads((out / file).read_text())
        new = {s["Sid"] for s in required[key]}
        policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") not in new] + required[key]
        (out / file).write_text(json.dumps(policy, indent=2))


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_the_runbook_deploys_the_configuration_into_a_fresh_organisation(name, tmp_path):
    settings = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text()) if name != "defaults" else {}
    emulator, out = Emulator(tmp_path / "moto_server.log"), tmp_path / "out"
    try:
        org = Organisation(emulator, settings)
        out.mkdir()
        if config := configuration(org, settings):  # the defaults: no file at all
            (out / "smlog.yaml").write_text(config)
        instance_roles(org)
        synth = subprocess.run([smlog_binary(), "synth", "all", "--out-dir", "."], cwd=out, capture_output=True, text=True)
        assert synth.returncode == 0, synth.stderr
        runner = Runner(emulator, org, out, tmp_path, (out / "DEPLOY.md").read_text())
        for step in read_runbook((out / "DEPLOY.md").read_text()):
            runner.run(step)
        assert runner.stack_sets, "a StackSet reached the accounts"
    finally:
        emulator.stop()


if __name__ == "__main__":
    serve(sys.argv[1:])
