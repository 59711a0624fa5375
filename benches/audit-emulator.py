#!/usr/bin/env python3
"""How fast `smlog audit` covers an organisation, against the emulator.

Starts moto_server in this process (with tests/emulator/moto_additions.py,
which adds DescribeSessions), seeds an organisation of ACCOUNTS accounts, each
with SESSIONS ended sessions in each of REGIONS Regions, most with their
transcript in the central bucket, then runs

    smlog audit --accounts all --assume-role OrganizationAccountAccessRole

and prints the wall time, the calls smlog made and sessions per second. Not
a test: nothing is asserted beyond the audit finding what was seeded.

    python3 benches/audit-emulator.py [--accounts 1000] [--concurrency 32]
    SMLOG_BIN=target/release/smlog (default; build with cargo build --release)
"""
import argparse
import datetime
import json
import os
import pathlib
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "emulator"))

import boto3  # noqa: E402
import moto_additions  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]
BUCKET = "smlog-bench-central"
CENTRAL = "123456789012"  # moto's default account: the caller, holding the bucket
ROLE = "OrganizationAccountAccessRole"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed(endpoint, accounts, sessions_per_place, missing_every):
    """Accounts through the API (as Organizations lists them), sessions and
    transcripts straight into moto's backends (seeding 10,000s of sessions
    through StartSession would take longer than the audit)."""
    from moto.s3.models import s3_backends
    from moto.ssm.models import ssm_backends
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    orgs = boto3.client("organizations", endpoint_url=endpoint, **keys)
    orgs.create_organization(FeatureSet="ALL")
    ids = [orgs.create_account(Email=f"a{n}@example.com", AccountName=f"a{n}")["CreateAccountStatus"]["AccountId"]
           for n in range(accounts)]
    boto3.client("s3", endpoint_url=endpoint, **keys).create_bucket(Bucket=BUCKET)
    s3 = s3_backends[CENTRAL]["aws"]
    started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
    seeded = missing = 0
    for account in ids:
        for region in REGIONS:
            state = moto_additions._ssm_state(ssm_backends[account][region])
            for n in range(sessions_per_place):
                session_id = f"operator{n}-{seeded:017x}"
                state["sessions"].append({
                    "SessionId": session_id, "Target": f"i-{seeded:017x}", "Status": "Terminated",
                    "DocumentName": "SSM-SessionManagerRunShell", "AccessType": "Standard",
                    "Owner": f"arn:aws:sts::{account}:assumed-role/Operators/operator{n}",
                    "StartDate": started, "EndDate": started + datetime.timedelta(minutes=5),
                })
                seeded += 1
                if seeded % missing_every == 0:
                    missing += 1
                else:
                    s3.put_object(BUCKET, f"{account}/{region}/{session_id}.log", b"Script started\n")
    return ids, seeded, missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=3, help="sessions per account and Region")
    parser.add_argument("--missing-every", type=int, default=50, help="every Nth session has no transcript")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    smlog = os.environ.get("SMLOG_BIN", str(REPO / "target" / "release" / "smlog"))

    import logging
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_additions.install()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        began = time.monotonic()
        ids, seeded, missing = seed(endpoint, args.accounts, args.sessions, args.missing_every)
        print(f"seeded {len(ids)} accounts × {len(REGIONS)} Regions, {seeded} sessions "
              f"({missing} without transcript) in {time.monotonic() - began:.1f} s")
        with tempfile.TemporaryDirectory() as work:
            pathlib.Path(work, "smlog.yaml").write_text(
                f"bucket_name: {BUCKET}\nrollout:\n  regions: [{', '.join(REGIONS)}]\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_ENDPOINT_URL=endpoint)
            began = time.monotonic()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = subprocess.run(
                [smlog, "audit", "--accounts", "all", "--assume-role", ROLE, "--since", "1d",
                 "--concurrency", str(args.concurrency), "--format", "json"],
                cwd=work, env=env, capture_output=True, text=True)
            wall = time.monotonic() - began
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        report = json.loads(result.stdout)
        calls = re.search(r"(\d+) calls \((\d+) retried\)", result.stderr)
        total = report["total"]
        print(f"smlog audit: exit {result.returncode}, {report['accounts']} accounts × {len(report['regions'])} Regions, "
              f"{total['sessions']} sessions ({total['found']} found, {total['missing']} missing), "
              f"{len(report['errors'])} errors")
        print(f"wall time {wall:.1f} s, {calls.group(1)} calls ({calls.group(2)} retried), "
              f"{total['sessions'] / wall:.0f} sessions/s, {int(calls.group(1)) / wall:.0f} calls/s, "
              f"concurrency {args.concurrency}")
        print(f"smlog's own CPU time {cpu:.2f} s ({1000 * cpu / int(calls.group(1)):.2f} ms per call); "
              f"the rest of the wall time is the emulator answering")
        if total["sessions"] != seeded or total["missing"] != missing:
            print("the audit did not find what was seeded", file=sys.stderr)
            return 1
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
