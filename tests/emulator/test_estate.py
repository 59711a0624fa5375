"""Fitting an existing estate: a log archive whose bucket and key stay (as
under Control Tower or Landing Zone Accelerator), the guardrail SCP, and the
endpoints template in a VPC with private subnets."""
import json

import pytest
import yaml

from conftest import REPO_EXAMPLES, record_gap
from harness import smlog, smlog_against

TEAM_STATEMENT = {"Sid": "TeamReadsItsLogs", "Effect": "Allow",
                  "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:GetObject"}


def lines_with(output, mark):
    return [line for line in output.splitlines() if line.startswith(mark)]


@pytest.fixture(scope="module")
def archive(aws, org, spare_account, workdir):
    """A log archive account with its own bucket and key, the statements smlog
    asks for merged into their policies, and smlog's session-key-only central stack."""
    account = aws.as_account(spare_account())
    account_id = account.account_id()
    key = account("kms", "create-key", "--description", "log archive key")["KeyMetadata"]
    bucket = f"aws-accelerator-central-logs-{account_id}-us-east-1"
    account("s3api", "create-bucket", "--bucket", bucket)
    folder = workdir / "existing-bucket"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        f"organization_id: {org['id']}\nexisting_bucket:\n  name: {bucket}\n  key_arn: {key['Arn']}\n")
    required = json.loads(smlog("synth", "central-statements", cwd=folder))
    central = folder / "central.yaml"
    central.write_text(smlog("synth", cwd=folder))
    outputs = account.deploy("smlog-central", central, {"OrganizationId": org["id"]})
    return {"aws": account, "bucket": bucket, "key": key, "required": required, "folder": folder,
            "outputs": outputs, "template": central}


def accelerator_reads(archive, org):
    """Landing Zone Accelerator's central bucket statement: the organisation may read."""
    arn = f"arn:aws:s3:::{archive['bucket']}"
    return {"Sid": "Allow Organization principals to use the bucket", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["s3:GetBucketLocation", "s3:GetBucketAcl", "s3:PutObject", "s3:GetObject", "s3:ListBucket"],
            "Resource": [arn, f"{arn}/*"], "Condition": {"StringEquals": {"aws:PrincipalOrgID": org["id"]}}}


def merge(archive, drop=(), extra=()):
    """What the README's merge commands do: the team's statements plus smlog's."""
    aws, required = archive["aws"], archive["required"]
    bucket_statements = [TEAM_STATEMENT, *extra] + [s for s in required["BucketPolicyStatements"] if s["Sid"] not in drop]
    aws("s3api", "put-bucket-policy", "--bucket", archive["bucket"],
        "--policy", json.dumps({"Version": "2012-10-17", "Statement": bucket_statements}))
    admin = {"Sid": "EnableAccountAdministration", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{aws.account_id()}:root"}, "Action": "kms:*", "Resource": "*"}
    aws("kms", "put-key-policy", "--key-id", archive["key"]["KeyId"], "--policy-name", "default",
        "--policy", json.dumps({"Version": "2012-10-17", "Statement": [admin] + required["KeyPolicyStatements"]}))


def encrypt_with(archive, key_id, bucket_keys=True):
    archive["aws"]("s3api", "put-bucket-encryption", "--bucket", archive["bucket"],
                   "--server-side-encryption-configuration", json.dumps({"Rules": [{
                       "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id},
                       "BucketKeyEnabled": bucket_keys}]}))


def central_checks(archive):
    result = smlog_against(archive["aws"], "verify", "--central", "--accounts", archive["aws"].account_id(),
                           cwd=archive["folder"])
    return [line for line in result.stdout.splitlines()
            if " grants " in line or "default encryption" in line], result


def test_the_central_stack_holds_only_the_session_key(archive):
    resources = archive["aws"].stack_resources("smlog-central")
    types = {archive["aws"]("cloudformation", "describe-stack-resource", "--stack-name", "smlog-central",
                            "--logical-resource-id", r)["StackResourceDetail"]["ResourceType"] for r in resources}
    assert "AWS::S3::Bucket" not in types and "AWS::S3::BucketPolicy" not in types
    assert archive["outputs"]["SessionKeyArn"].startswith(f"arn:aws:kms:us-east-1:{archive['aws'].account_id()}:key/")


def test_merged_policies_pass_statement_by_statement(archive):
    merge(archive)
    encrypt_with(archive, archive["key"]["Arn"])
    checks, result = central_checks(archive)
    required = archive["required"]
    expected = len(required["BucketPolicyStatements"]) + len(required["KeyPolicyStatements"]) + 1
    assert len(checks) == expected and all(line.startswith("✔") for line in checks), result.stdout + result.stderr


def test_a_statement_left_out_of_the_merge_is_named(archive):
    merge(archive, drop={"AllowOrganizationLogDelivery"})
    encrypt_with(archive, archive["key"]["Arn"])
    checks, result = central_checks(archive)
    failed = [line for line in checks if line.startswith("✘")]
    assert len(failed) == 1, result.stdout
    assert "bucket policy grants AllowOrganizationLogDelivery: missing" in failed[0]
    assert result.returncode == 1


def test_reads_by_the_whole_organisation_are_flagged(archive, org):
    merge(archive, extra=[accelerator_reads(archive, org)])
    encrypt_with(archive, archive["key"]["Arn"])
    _, result = central_checks(archive)
    [flagged] = [line for line in result.stdout.splitlines() if "session logs" in line and "bucket policy" in line]
    assert flagged.startswith("✘"), result.stdout
    assert "Allow Organization principals to use the bucket opens session logs" in flagged
    assert "s3:GetObject to every principal of the organisation" in flagged
    assert result.returncode == 1


def test_a_policy_without_open_reads_passes_that_check(archive):
    merge(archive)
    encrypt_with(archive, archive["key"]["Arn"])
    _, result = central_checks(archive)
    [line] = [line for line in result.stdout.splitlines() if "reads of session logs" in line]
    assert line.startswith("✔"), result.stdout


def test_s3_bucket_keys_are_reported_on_or_off(archive):
    merge(archive)
    for enabled, word in ((True, "enabled"), (False, "disabled")):
        encrypt_with(archive, archive["key"]["Arn"], bucket_keys=enabled)
        _, result = central_checks(archive)
        [line] = [line for line in result.stdout.splitlines() if "S3 Bucket Keys" in line]
        if not enabled and "enabled" in line:
            record_gap("BucketKeyEnabled false in get-bucket-encryption", "the unit tests of verify::existing")
            continue
        assert line.startswith("·") and f"S3 Bucket Keys: {word}" in line, result.stdout


def test_a_bucket_encrypted_by_alias_is_refused(archive):
    merge(archive)
    archive["aws"]("kms", "create-alias", "--alias-name", "alias/log-archive",
                   "--target-key-id", archive["key"]["KeyId"])
    encrypt_with(archive, "alias/log-archive")
    checks, result = central_checks(archive)
    [failed] = [line for line in checks if line.startswith("✘")]
    assert "default encryption names the key by its ARN: alias/log-archive: an alias" in failed, result.stdout


def test_the_guardrail_reaches_the_rollout_ous(aws, org, workdir):
    folder = workdir / "guardrail"
    folder.mkdir()
    config = (REPO_EXAMPLES / "retention-and-operators.yaml").read_text().replace("ou-ab12-abcdefgh", org["ou"])
    (folder / "smlog.yaml").write_text(config)
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    template = folder / "templates/guardrail.yaml"
    body = yaml.safe_load(template.read_text())
    assert body["Parameters"]["OrganizationalUnitIds"]["Default"] == org["ou"]
    result = aws.run("cloudformation", "create-stack", "--stack-name", "smlog-guardrail",
                     "--template-body", f"file://{template}", check=False)
    status = aws("cloudformation", "describe-stacks", "--stack-name", "smlog-guardrail")["Stacks"][0]["StackStatus"] \
        if result.returncode == 0 else None
    attached = aws("organizations", "list-policies-for-target", "--target-id", org["ou"],
                   "--filter", "SERVICE_CONTROL_POLICY")["Policies"]
    if status == "CREATE_COMPLETE" and any(p["Name"] == "smlog-session-logging-guardrail" for p in attached):
        return
    # moto has no AWS::Organizations::Policy: create it as the resource would,
    # with the synthesized content (all intrinsics are partition Subs).
    record_gap("the AWS::Organizations::Policy resource", "the same policy made with the Organizations API here, "
               "and rules/guardrail.guard")
    properties = body["Resources"]["SessionLoggingGuardrail"]["Properties"]
    content = resolve_partition(properties["Content"])
    text = json.dumps(content, separators=(",", ":"))
    assert len(text) <= 5120, "an SCP holds at most 5,120 characters"
    policy = aws("organizations", "create-policy", "--name", properties["Name"], "--type", "SERVICE_CONTROL_POLICY",
                 "--description", properties["Description"], "--content", text)["Policy"]["PolicySummary"]
    aws("organizations", "attach-policy", "--policy-id", policy["Id"], "--target-id", org["ou"])
    attached = aws("organizations", "list-policies-for-target", "--target-id", org["ou"],
                   "--filter", "SERVICE_CONTROL_POLICY")["Policies"]
    assert policy["Id"] in [p["Id"] for p in attached]


def resolve_partition(value):
    """The guardrail's only intrinsic is Fn::Sub over ${AWS::Partition}."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return value["Fn::Sub"].replace("${AWS::Partition}", "aws")
        return {k: resolve_partition(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_partition(v) for v in value]
    return value


def test_the_endpoints_stack_in_a_private_vpc(aws, workdir):
    folder = workdir / "endpoints"
    folder.mkdir()
    (folder / "smlog.yaml").write_text((REPO_EXAMPLES / "cloudwatch.yaml").read_text())
    template = folder / "endpoints.yaml"
    template.write_text(smlog("synth", "endpoints", cwd=folder))
    vpc = aws("ec2", "create-vpc", "--cidr-block", "10.20.0.0/16")["Vpc"]["VpcId"]
    # A secondary block: nodes there must reach the endpoints too.
    aws("ec2", "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "100.64.0.0/16")
    subnets = [aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", f"10.20.{i}.0/24",
                   "--availability-zone", f"us-east-1{zone}")["Subnet"]["SubnetId"] for i, zone in enumerate("ab")]
    table = aws("ec2", "create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    aws.deploy("smlog-endpoints", template, {"VpcId": vpc, "SubnetIds": "\\,".join(subnets),
                                             "VpcCidrs": "10.20.0.0/16\\,100.64.0.0/16", "RouteTableIds": table})
    group = aws.stack_resources("smlog-endpoints")["EndpointSecurityGroup"]
    [described] = aws("ec2", "describe-security-groups", "--group-ids", group)["SecurityGroups"]
    admitted = sorted(r["CidrIp"] for p in described["IpPermissions"] if p.get("FromPort") == 443
                      for r in p["IpRanges"])
    assert admitted == ["10.20.0.0/16", "100.64.0.0/16"], described["IpPermissions"]
    endpoints = aws("ec2", "describe-vpc-endpoints", "--filters", f"Name=vpc-id,Values={vpc}")["VpcEndpoints"]
    services = sorted(e["ServiceName"] for e in endpoints)
    declared = sorted(r["Properties"]["ServiceName"]["Fn::Sub"].replace("${AWS::Region}", "us-east-1")
                      for r in yaml.safe_load(template.read_text())["Resources"].values()
                      if r["Type"] == "AWS::EC2::VPCEndpoint")
    assert services == declared
    assert {"com.amazonaws.us-east-1.ssmmessages", "com.amazonaws.us-east-1.s3"} <= set(services)
    gateway = [e for e in endpoints if e["VpcEndpointType"] == "Gateway"]
    assert [e["RouteTableIds"] for e in gateway] == [[table]]
    for endpoint in endpoints:
        if endpoint["VpcEndpointType"] == "Interface":
            assert endpoint["PrivateDnsEnabled"] is True
            assert sorted(endpoint["SubnetIds"]) == sorted(subnets)
