"""A local AWS for the tests: moto_server on 127.0.0.1, owned by the test process.

The server runs in its own process group and is told by the kernel to exit
when the process that started it dies (PR_SET_PDEATHSIG), so even a test run
killed with SIGKILL leaves no server behind.
"""
import ctypes
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
MOTO_LAMBDA = pathlib.Path(__file__).resolve().with_name("moto_lambda.py")
PR_SET_PDEATHSIG = 1
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def _die_with_parent():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoServer:
    def __init__(self, log_path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            # moto_server, patched to run Python Lambda functions in-process.
            [sys.executable, str(MOTO_LAMBDA), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        self._wait_ready()

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto_server did not answer within a minute")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Aws:
    """The aws CLI, always pointed at the emulator, with explicit fake credentials."""

    def __init__(self, endpoint, region="us-east-1", credentials=None):
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials or FAKE_CREDENTIALS

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.credentials)
        env.update({
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        return env

    def run(self, *args, check=True):
        command = ["aws", "--endpoint-url", self.endpoint, "--output", "json", *args]
        result = subprocess.run(command, capture_output=True, text=True, env=self.env(), timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def __call__(self, *args):
        out = self.run(*args).stdout.strip()
        return json.loads(out) if out else None

    def in_region(self, region):
        return Aws(self.endpoint, region, self.credentials)

    def as_account(self, account_id, role="OrganizationAccountAccessRole"):
        creds = self("sts", "assume-role", "--role-arn", f"arn:aws:iam::{account_id}:role/{role}",
                     "--role-session-name", "smlog-tests")["Credentials"]
        return Aws(self.endpoint, self.region, {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        })

    def account_id(self):
        return self("sts", "get-caller-identity")["Account"]

    def deploy(self, stack, template, parameters=None, capabilities=()):
        """create-stack + wait, as a user would; returns the stack's outputs as a dict."""
        args = ["cloudformation", "create-stack", "--stack-name", stack, "--template-body",
                f"file://{template}"]
        if parameters:
            args += ["--parameters", *[f"ParameterKey={k},ParameterValue={v}" for k, v in parameters.items()]]
        if capabilities:
            args += ["--capabilities", *capabilities]
        self(*args)
        self("cloudformation", "wait", "stack-create-complete", "--stack-name", stack)
        return self.outputs(stack)

    def outputs(self, stack):
        described = self("cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    def stack_resources(self, stack):
        """Logical id → physical id of what the stack created (the emulator
        lists resources it skipped, and those whose condition is false,
        without ids; those are left out)."""
        resources = self("cloudformation", "list-stack-resources", "--stack-name", stack)
        return {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in resources["StackResourceSummaries"] if r.get("LogicalResourceId")}


def smlog_binary():
    explicit = os.environ.get("SMLOG_BIN")
    if explicit:
        return explicit
    for profile in ("debug", "release"):
        candidate = REPO / "target" / profile / "smlog"
        if candidate.exists():
            return str(candidate)
    subprocess.run(["cargo", "build", "--quiet"], cwd=REPO, check=True)
    return str(REPO / "target" / "debug" / "smlog")


def smlog_against(aws, *args, cwd):
    """Runs smlog with the environment of `aws` and the emulator as the
    endpoint of every AWS call it makes; returns the finished process."""
    env = aws.env()
    env["AWS_ENDPOINT_URL"] = aws.endpoint
    return subprocess.run([smlog_binary(), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def smlog(*args, cwd):
    result = subprocess.run([smlog_binary(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"smlog {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


if __name__ == "__main__":
    # Used by the harness's own test: start a server, report it, wait to be killed.
    server = MotoServer(os.devnull)
    print(server.process.pid, server.port, flush=True)
    time.sleep(600)
