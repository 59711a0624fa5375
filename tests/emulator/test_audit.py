"""`smlog audit` against the emulator: sessions seeded in two fresh accounts
and two Regions (with and without transcripts, SSH, port forwarding, a
just-in-time session), each reported with the right verdict; the exit code
says a loggable session left no transcript; JSON and CSV are well formed.

The emulator lacks DescribeSessions: moto_additions.py adds StartSession,
TerminateSession and DescribeSessions (sessions of the role
SSM-JustInTimeAccessTokenRole are AccessType JustInTime)."""
import csv
import io
import json

import boto3
import pytest

from harness import smlog_against
from moto_additions import JIT_ROLE

BUCKET = "smlog-audit-central"
REGIONS = ["us-east-1", "eu-west-1"]
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'


def client(aws, service, region, credentials=None):
    keys = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                           "aws_session_token": "testing"}
    return boto3.client(service, region_name=region, endpoint_url=aws.endpoint, **keys)


def assumed(aws, account, role, session_name):
    creds = client(aws, "sts", "us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName=session_name)["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def session(aws, credentials, region, target, document=None, reason=None):
    """A session started and ended in `region` by `credentials`; its id."""
    ssm = client(aws, "ssm", region, credentials)
    args = {"Target": target}
    if document:
        args["DocumentName"] = document
    if reason:
        args["Reason"] = reason
    session_id = ssm.start_session(**args)["SessionId"]
    ssm.terminate_session(SessionId=session_id)
    return session_id


def transcript(aws, account, region, session_id):
    client(aws, "s3", "us-east-1").put_object(Bucket=BUCKET, Key=f"{account}/{region}/{session_id}.log",
                                              Body=b"Script started\n")


@pytest.fixture(scope="module")
def estate(aws, spare_account):
    """Two accounts: in the first, a logged session, one without transcript
    (in eu-west-1) and an SSH session; in the second, a just-in-time
    session with its transcript and a port-forwarding session."""
    client(aws, "s3", "us-east-1").create_bucket(Bucket=BUCKET)
    first, second = spare_account(), spare_account()
    operator = assumed(aws, first, "OrganizationAccountAccessRole", "alice")
    sessions = {
        "logged": (first, "us-east-1", session(aws, operator, "us-east-1", "i-0aaaaaaaaaaaaaaa1")),
        "unlogged": (first, "eu-west-1", session(aws, operator, "eu-west-1", "i-0aaaaaaaaaaaaaaa2")),
        "ssh": (first, "us-east-1", session(aws, operator, "us-east-1", "i-0aaaaaaaaaaaaaaa1",
                                           document="AWS-StartSSHSession")),
    }
    client(aws, "iam", "us-east-1", assumed(aws, second, "OrganizationAccountAccessRole", "setup")).create_role(
        RoleName=JIT_ROLE, AssumeRolePolicyDocument=TRUST)
    jit = assumed(aws, second, JIT_ROLE, "bob")
    sessions["jit"] = (second, "us-east-1", session(aws, jit, "us-east-1", "i-0bbbbbbbbbbbbbbb1",
                                                   reason="change 42, approved"))
    sessions["forwarding"] = (second, "eu-west-1", session(aws, jit, "eu-west-1", "i-0bbbbbbbbbbbbbbb2",
                                                          document="AWS-StartPortForwardingSessionToRemoteHost"))
    for name in ("logged", "jit"):
        transcript(aws, *sessions[name])
    return {"accounts": [first, second], "sessions": sessions}


def audit(aws, tmp_path, *args, config=None):
    (tmp_path / "smlog.yaml").write_text(config or f"bucket_name: {BUCKET}\nrollout:\n  regions: [{', '.join(REGIONS)}]\n")
    return smlog_against(aws, "audit", "--since", "1h", "--grace", "0s", *args, cwd=tmp_path)


def by_session(rows, estate):
    ids = {session_id: name for name, (_, _, session_id) in estate["sessions"].items()}
    return {ids[r["session_id"]]: r for r in rows if r["session_id"] in ids}


def test_every_session_gets_its_verdict_and_a_missing_transcript_fails(aws, estate, tmp_path):
    accounts = ",".join(estate["accounts"])
    result = audit(aws, tmp_path, "--accounts", accounts, "--assume-role", "OrganizationAccountAccessRole",
                   "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    rows = by_session(report["sessions"], estate)
    assert {name: row["verdict"] for name, row in rows.items()} == {
        "logged": "found", "unlogged": "missing", "ssh": "not-loggable", "jit": "found",
        "forwarding": "not-loggable"}
    first, second = estate["accounts"]
    assert rows["logged"]["transcript"] == f"{first}/us-east-1/{estate['sessions']['logged'][2]}.log"
    assert (rows["unlogged"]["account"], rows["unlogged"]["region"]) == (first, "eu-west-1")
    assert rows["jit"]["access_type"] == "JustInTime" and rows["jit"]["reason"] == "change 42, approved"
    assert rows["logged"]["access_type"] == "Standard"
    assert rows["jit"]["owner"].endswith(f":assumed-role/{JIT_ROLE}/bob")
    assert "SSH" in rows["ssh"]["note"]
    assert report["total"] == {"sessions": 5, "found": 2, "missing": 1, "pending": 0, "not_loggable": 2}
    places = {(p["account"], p["region"]): p["missing"] for p in report["places"]}
    assert places == {(first, "us-east-1"): 0, (first, "eu-west-1"): 1, (second, "us-east-1"): 0,
                      (second, "eu-west-1"): 0}
    assert "calls" in result.stderr


def test_the_table_names_the_missing_transcript_and_a_logged_account_passes(aws, estate, tmp_path):
    first, second = estate["accounts"]
    result = audit(aws, tmp_path, "--accounts", f"{first},{second}", "--assume-role", "OrganizationAccountAccessRole")
    assert result.returncode == 1
    unlogged = estate["sessions"]["unlogged"][2]
    assert f"✘ {first} eu-west-1 {unlogged}: no transcript" in result.stdout
    assert "5 sessions: 2 found, 1 missing, 0 pending, 2 not loggable" in result.stdout
    # The second account alone: a JIT session with its transcript and port forwarding.
    result = audit(aws, tmp_path, "--accounts", second, "--assume-role", "OrganizationAccountAccessRole")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 sessions: 1 found, 0 missing, 0 pending, 1 not loggable" in result.stdout


def test_csv_is_one_valid_row_per_session(aws, estate, tmp_path):
    first, second = estate["accounts"]
    result = audit(aws, tmp_path, "--accounts", f"{first},{second}", "--assume-role", "OrganizationAccountAccessRole",
                   "--format", "csv")
    assert result.returncode == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == 5
    named = by_session(rows, estate)
    assert named["jit"]["reason"] == "change 42, approved"
    assert named["unlogged"]["verdict"] == "missing"
    assert "1 missing" in result.stderr


def test_the_whole_organisation_and_a_recent_session_still_pending(aws, org, estate, tmp_path):
    result = audit(aws, tmp_path, "--accounts", "all", "--assume-role", "OrganizationAccountAccessRole",
                   "--format", "json")
    report = json.loads(result.stdout)
    assert report["accounts"] >= 5 and report["errors"] == []
    assert by_session(report["sessions"], estate)["unlogged"]["verdict"] == "missing"
    (tmp_path / "smlog.yaml").write_text(f"bucket_name: {BUCKET}\nrollout:\n  regions: [{', '.join(REGIONS)}]\n")
    first, _ = estate["accounts"]
    recent = smlog_against(aws, "audit", "--accounts", first, "--assume-role", "OrganizationAccountAccessRole",
                           "--since", "1h", "--format", "json", cwd=tmp_path)
    assert recent.returncode == 0, recent.stdout + recent.stderr
    assert by_session(json.loads(recent.stdout)["sessions"], estate)["unlogged"]["verdict"] == "pending"


def test_an_account_that_cannot_be_reached_is_named_and_the_rest_audited(aws, estate, tmp_path):
    first, _ = estate["accounts"]
    result = audit(aws, tmp_path, "--accounts", first, "--regions", "us-east-1,eu-west-1",
                   "--assume-role", "OrganizationAccountAccessRole", "--format", "json",
                   config="bucket_name: no-such-bucket-here\n")
    assert result.returncode == 6, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert {(e["account"], e["region"]) for e in report["errors"]} == {(first, "us-east-1"), (first, "eu-west-1")}
    assert all("NoSuchBucket" in e["error"] for e in report["errors"])
    # Its sessions there are not silently dropped: the error says how many went unjudged.
    errors = {e["region"]: e["error"] for e in report["errors"]}
    assert "(2 session(s) there not judged)" in errors["us-east-1"], errors
    assert "(1 session(s) there not judged)" in errors["eu-west-1"], errors


def test_cloudwatch_streams_are_matched_when_configured(aws, estate, tmp_path):
    first, _ = estate["accounts"]
    group = "/aws/ssm/session-manager"
    logs = client(aws, "logs", "us-east-1", assumed(aws, first, "OrganizationAccountAccessRole", "setup"))
    logs.create_log_group(logGroupName=group)
    logged = estate["sessions"]["logged"][2]
    logs.create_log_stream(logGroupName=group, logStreamName=logged)
    import time
    logs.put_log_events(logGroupName=group, logStreamName=logged,
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "$ whoami"}])
    config = (f"bucket_name: {BUCKET}\nrollout:\n  regions: [us-east-1]\n"
              f"cloudwatch:\n  enabled: true\n  log_group_name: {group}\n")
    result = audit(aws, tmp_path, "--accounts", first, "--assume-role", "OrganizationAccountAccessRole",
                   "--format", "json", config=config)
    rows = by_session(json.loads(result.stdout)["sessions"], estate)
    assert rows["logged"]["log_stream"] is True and rows["logged"]["verdict"] == "found"
    assert "log_stream" not in rows["ssh"]
    assert result.returncode == 0, result.stdout + result.stderr
