"""moto_server with an in-process runtime for Python Lambda functions.

Run it exactly like moto_server (`python3 moto_lambda.py -H 127.0.0.1 -p PORT`).
Before the server starts, moto is patched so that:

* Invoking a Lambda function (the Invoke API, and CloudFormation custom
  resources) runs its Python code in this process, in a thread, instead of
  in a Docker container (moto's only runtime; there is no Docker here).
  The zip is unpacked once per code version; the handler's module and every
  other top-level module of the zip (e.g. `cfnresponse.py`, which moto adds
  to inline `Code.ZipFile` functions) are executed as fresh modules on every
  invocation, with an `__import__` of their own:
    - `import boto3` gives a per-invocation boto3 module whose default
      session, `Session()`, `client()` and `resource()` carry credentials of
      the function's execution role (assumed through moto's own STS backend,
      so moto maps them to the function's account), the function's Region,
      and this server as the endpoint. Nothing is read from process-wide
      environment variables, so invocations in different accounts and
      Regions can run at the same time.
    - `import os` gives a copy of `os` whose `environ`/`getenv` hold the
      Lambda environment: the function's Environment variables plus the
      AWS_* variables Lambda sets (Region, credentials, function name, ...)
      and AWS_ENDPOINT_URL.
    - `import urllib.request` gives a urlopen that reaches only this
      server: a response PUT to CloudFormation's response bucket (the
      ResponseURL of a hand-made event) is answered here and dropped, any
      other host is unreachable.
    - `import time` gives `time` whose sleep() waits at most
      MAX_HANDLER_SLEEP: moto is consistent at once, so a handler's wait
      for IAM to settle would only cost the tests time.
  print() output of the handler's thread goes to the function's log group.
  The context counts down the function's own Timeout. A stack update with
  inline code (Code.ZipFile) zips it, as the create does (moto took the
  source for a zip, and the function could not run again).
* CloudFormation custom resources (`Custom::*` and
  `AWS::CloudFormation::CustomResource`) are invoked synchronously while
  the stack is created, updated or deleted, and wait for the response the
  handler PUTs to ResponseURL (this server). Create, Update (with
  OldResourceProperties, replacement when the PhysicalResourceId changes)
  and Delete are sent; a FAILED response (or none) fails the resource and
  rolls the stack back: ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE, or
  DELETE_FAILED. Scalars in ResourceProperties are strings, as in AWS.
* The stack's status is CloudFormation's while its custom resources run,
  so a handler can ask DescribeStacks whether a Delete is real:
  CREATE_IN_PROGRESS; UPDATE_IN_PROGRESS, then
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS while the resources an update removed
  or replaced get their Deletes (after every other change, so an updated
  function answers them; moto deletes removed resources first);
  DELETE_IN_PROGRESS (moto stays at *_COMPLETE, and took the stack out of
  DescribeStacks before deleting it); ROLLBACK_IN_PROGRESS;
  UPDATE_ROLLBACK_IN_PROGRESS, then
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS while what a failed update
  added is deleted. While in progress a stack shows no outputs and only the
  resources made so far (moto would create the missing ones on the spot,
  so a handler asking about its own stack during its Create got a second
  copy of its resource and deadlocked).
* Any resource that fails to create fails its stack, which rolls back
  (moto answered the API call with the error and left the stack
  CREATE_IN_PROGRESS). An AWS::IAM::ManagedPolicy is deleted with its
  stack, and refuses while a role holds it (DeleteConflict: DELETE_FAILED);
  moto kept it. An update of its document makes a new default version
  (moto ignored it). An update honours each resource's Condition (moto
  updated resources whose condition was false). The custom resources an
  update adds are created after the other changes (moto created them
  first, so the function's old code answered them).
* A SERVICE_MANAGED StackSet instance's stack is a stack of its member
  account and Region named as in AWS (StackSet-NAME-UUID), visible to
  DescribeStacks and update-stack (moto keeps it hidden). StackSet
  instances whose stack failed are reported FAILED. Deployment targets
  (of create-stack-instances and delete-stack-instances) honour
  AccountFilterType and include nested OUs; moto ignored the filter, and
  deleted nothing by deployment targets.

Unpatched moto 5.2.1 (cloudformation/custom_model.py) only ever sends
Create, from a thread, needs Docker to run it, ignores a FAILED response (the
stack stays CREATE_IN_PROGRESS), never sends Update or Delete (CustomModel
has neither; an update even replaces the resource by None), cannot find the
stack of a service-managed StackSet instance, and lets resources that GetAtt
the custom resource read None because it does not wait for the response.

APIs moto lacks that smlog's handler calls are added by moto_additions.py.

Limits: Python zip functions only; only top-level .py modules of the zip are
loaded per invocation (no packages, layers, or importlib.import_module of
zip modules); code outside the handler's modules (a subprocess, botocore
sessions made directly, threads the handler starts for print()) sees the
process, which has no AWS credentials and AWS_ENDPOINT_URL set to this
server. A timed-out handler's thread cannot be stopped. Failed updates
restore the template and parameters but not resources moto already changed.
"""
from __future__ import annotations

import argparse
import builtins
import datetime
import hashlib
import inspect
import io
import itertools
import json
import math
import os
import pathlib
import re
import sys
import tempfile
import threading
import time
import traceback
import types
import uuid
import weakref
import zipfile
from urllib.parse import quote

import moto_additions

# A handler gets at least this long, whatever its Timeout says (default 3 s):
# a loaded test machine must not turn into flaky timeouts.
MIN_TIMEOUT = 10.0
# A custom resource blocks the API call that creates/updates/deletes its
# stack; stay below the 60 s read timeout of the aws CLI and SDKs.
CUSTOM_RESOURCE_LIMIT = 45.0
# moto is consistent at once: a handler's wait for IAM (or anything) to
# settle only costs time here, so time.sleep in a handler waits at most this.
MAX_HANDLER_SLEEP = 1.0
# The response is PUT before the handler returns; allow a little for a
# handler that sends it from another thread.
RESPONSE_GRACE = 2.0

_REAL_IMPORT = builtins.__import__
_local = threading.local()
_endpoint = None
_task_roots = None
_extract_lock = threading.Lock()


# --------------------------------------------------------------------------
# The runtime
# --------------------------------------------------------------------------

class LambdaRuntimeError(Exception):
    """An error Lambda reports with a `Runtime.*` error type."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


class LambdaContext:
    def __init__(self, fn, request_id, deadline, log_stream):
        self.function_name = fn.function_name
        self.function_version = str(fn.version)
        self.invoked_function_arn = fn.function_arn
        self.memory_limit_in_mb = int(fn.memory_size)
        self.aws_request_id = request_id
        self.log_group_name = fn.logs_group_name
        self.log_stream_name = log_stream
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _RoutedStream:
    """sys.stdout/sys.stderr: text written by an invocation's thread goes
    to that invocation's log, everything else to the real stream."""

    def __init__(self, target):
        self._target = target

    def write(self, text):
        log = getattr(_local, "log", None)
        if log is not None:
            log.append(text)
            return len(text)
        return self._target.write(text)

    def flush(self):
        if getattr(_local, "log", None) is None:
            self._target.flush()

    def __getattr__(self, name):
        return getattr(self._target, name)


def time_limit(fn):
    try:
        configured = float(fn.timeout)
    except (TypeError, ValueError):
        configured = 3.0
    return max(configured, MIN_TIMEOUT)


def invoke_in_process(fn, event, wait=None):
    """Runs `fn` on `event` the way Lambda would; returns (payload, errored,
    log, log stream name). The handler's context counts down the function's
    own timeout; `wait`, when shorter, is how long the emulator waits for it."""
    limit = time_limit(fn)
    wait = min(wait or limit, limit)
    request_id = str(uuid.uuid4())
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y/%m/%d")
    log_stream = f"{today}/[$LATEST]{request_id.replace('-', '')}"
    lines = [f"START RequestId: {request_id} Version: {fn.version}\n"]
    captured = []
    outcome = {}
    started = time.monotonic()
    deadline = started + limit

    def run():
        _local.log = captured
        try:
            context = LambdaContext(fn, request_id, deadline, log_stream)
            outcome["result"] = _call_handler(fn, event, context)
        except BaseException as error:  # noqa: B902 - SystemExit too, as in Lambda
            outcome["error"] = error
            # Only the function's own frames, as Lambda shows them.
            frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__]
            outcome["trace"] = traceback.format_list(frames)
        finally:
            _local.log = None

    worker = threading.Thread(target=run, name=f"lambda:{fn.function_name}:{request_id[:8]}", daemon=True)
    worker.start()
    worker.join(wait)
    elapsed = time.monotonic() - started
    lines += captured
    if worker.is_alive():
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        message = f"{stamp} {request_id} Task timed out after {wait:.2f} seconds"
        if wait < limit:
            message += f" (the emulator's wait; the function's own timeout is {limit:.0f} seconds)"
        payload, errored = {"errorType": "Sandbox.Timedout", "errorMessage": message}, True
        lines.append(message + "\n")
    elif "error" in outcome:
        error = outcome["error"]
        error_type = error.error_type if isinstance(error, LambdaRuntimeError) else type(error).__name__
        trace = outcome["trace"]
        payload, errored = {"errorMessage": str(error), "errorType": error_type, "requestId": request_id,
                            "stackTrace": trace}, True
        lines.append(f"[ERROR] {error_type}: {error}\nTraceback (most recent call last):\n" + "".join(trace))
    else:
        try:
            payload, errored = json.loads(json.dumps(outcome["result"])), False
        except (TypeError, ValueError) as error:
            payload, errored = {"errorMessage": f"Unable to marshal response: {error}",
                                "errorType": "Runtime.MarshalError", "requestId": request_id}, True
    ms = elapsed * 1000
    lines.append(f"END RequestId: {request_id}\n")
    lines.append(f"REPORT RequestId: {request_id}\tDuration: {ms:.2f} ms\tBilled Duration: {math.ceil(ms)} ms\t"
                 f"Memory Size: {fn.memory_size} MB\n")
    return json.dumps(payload), errored, "".join(lines), log_stream


def run_function(fn, event, wait=None):
    """invoke_in_process, with the log written to the function's log group
    (in the stream named by context.log_stream_name); returns (payload,
    errored, log)."""
    payload, errored, log, stream = invoke_in_process(fn, event, wait)
    logs = fn.logs_backend
    logs.ensure_log_group(fn.logs_group_name)
    logs.create_log_stream(fn.logs_group_name, stream)
    now = int(time.time() * 1000)
    logs.put_log_events(fn.logs_group_name, stream,
                        [{"timestamp": now, "message": line} for line in log.splitlines()])
    return payload, errored, log


def _call_handler(fn, event, context):
    if getattr(fn, "package_type", "Zip") != "Zip" or not str(fn.run_time or "").startswith("python"):
        raise LambdaRuntimeError("Runtime.InvalidRuntime",
                                 f"the emulator runs only Python zip functions, not {fn.run_time}")
    module_name, _, function_name = (fn.handler or "").rpartition(".")
    if not module_name or not function_name:
        raise LambdaRuntimeError("Runtime.MalformedHandlerName", f"Bad handler '{fn.handler}'")
    root = _task_root(fn)
    credentials = _credentials(fn)
    environ = _environment(fn, credentials, root, context)
    sandbox = _Sandbox(root, environ, _boto3_module(credentials, fn.region, _endpoint))
    try:
        module = sandbox.load(module_name)
    except SyntaxError as error:
        raise LambdaRuntimeError("Runtime.UserCodeSyntaxError", str(error)) from error
    except ImportError as error:
        raise LambdaRuntimeError("Runtime.ImportModuleError",
                                 f"Unable to import module '{module_name}': {error}") from error
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise LambdaRuntimeError("Runtime.HandlerNotFound",
                                 f"Handler '{function_name}' missing on module '{module_name}'")
    return handler(event, context)


def _task_root(fn):
    """The function's zip, unpacked once per code version."""
    code = getattr(fn, "code_bytes", b"") or b""
    digest = hashlib.sha256(code).hexdigest()[:20]
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", f"{fn.account_id}-{fn.region}-{fn.function_name}")
    root = pathlib.Path(_task_roots.name) / f"{safe_name}-{digest}"
    with _extract_lock:
        if not root.is_dir():
            staging = pathlib.Path(tempfile.mkdtemp(dir=_task_roots.name))
            try:
                zipfile.ZipFile(io.BytesIO(code)).extractall(staging)
            except zipfile.BadZipFile as error:
                raise LambdaRuntimeError("Runtime.InvalidZipFileException", f"cannot unzip the code: {error}")
            staging.rename(root)
    return root


def _credentials(fn):
    """Credentials of the function's execution role, from moto's STS: moto
    maps their access key to the role's account, i.e. the function's."""
    from moto.sts.models import sts_backends

    role_arn = fn.role if isinstance(fn.role, str) else ""
    match = re.match(r"arn:[^:]+:iam::(\d{12}):role/(.+)$", role_arn)
    if not match or match.group(1) != fn.account_id:
        # A role in another account (or no ARN): still act in the function's own account.
        name = match.group(2).rsplit("/", 1)[-1] if match else "lambda-execution-role"
        role_arn = f"arn:{fn.partition}:iam::{fn.account_id}:role/{name}"
    assumed = sts_backends[fn.account_id][fn.partition].assume_role(
        region_name=fn.region, role_session_name=fn.function_name[:64], role_arn=role_arn,
        policy=None, duration=3600, external_id=None)
    return assumed.access_key_id, assumed.secret_access_key, assumed.session_token


def _environment(fn, credentials, root, context):
    environ = {k: os.environ[k] for k in ("PATH", "LANG", "HOME", "TMPDIR") if k in os.environ}
    environ.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
    key, secret, token = credentials
    environ.update({
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_SESSION_TOKEN": token,
        "AWS_ENDPOINT_URL": _endpoint,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": context.log_stream_name,
        "LAMBDA_TASK_ROOT": str(root),
        "_HANDLER": fn.handler,
        "TZ": ":UTC",
    })
    return environ


class _Sandbox:
    """Fresh modules from the task root, each with an `__import__` that hands
    out the invocation's boto3 and os, and loads sibling modules of the zip."""

    def __init__(self, root, environ, boto3_module):
        self.root = root
        self.modules = {}
        self.builtins = dict(builtins.__dict__)
        self.builtins["__import__"] = self._import
        self.shims = {"boto3": boto3_module, "os": _os_module(environ), "time": _TIME, "urllib": _URLLIB}

    def _local(self, name):
        path = self.root / f"{name}.py"
        return path if "." not in name and path.is_file() else None

    def load(self, name):
        if name in self.modules:
            return self.modules[name]
        path = self._local(name)
        if path is None:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        module = types.ModuleType(name)
        module.__file__ = str(path)
        module.__builtins__ = self.builtins
        self.modules[name] = module
        try:
            code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)  # not our __future__s
            exec(code, module.__dict__)
        except BaseException:
            del self.modules[name]
            raise
        return module

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            top, _, rest = name.partition(".")
            shim = self.shims.get(top)
            if shim is not None:
                if not rest:
                    return shim
                real = _REAL_IMPORT(name, globals, locals, fromlist, level)
                if not fromlist:
                    return shim
                submodule = getattr(shim, rest, None)  # boto3.session, urllib.request: the shim's own
                return submodule if isinstance(submodule, types.ModuleType) else real
            if self._local(top) is not None:
                if rest:
                    raise ModuleNotFoundError(f"No module named '{name}'", name=name)
                return self.load(top)
        return _REAL_IMPORT(name, globals, locals, fromlist, level)


def _time_module():
    shim = types.ModuleType("time")
    shim.__dict__.update(vars(time))
    shim.sleep = lambda seconds: time.sleep(min(max(seconds, 0), MAX_HANDLER_SLEEP))
    return shim


_TIME = _time_module()

# CloudFormation's response bucket, as a forged event names it.
_CFN_RESPONSE_HOST = re.compile(r"^cloudformation-custom-resource-response-[a-z0-9-]+\.s3[.-]")


def _urllib_module():
    """urllib whose urlopen reaches only this server: a PUT to CloudFormation's
    response bucket (the ResponseURL of an event not from the emulator) is
    answered here, and dropped; any other host is unreachable."""
    import urllib.error
    import urllib.parse
    import urllib.request
    import urllib.response

    def urlopen(url, data=None, *args, **kwargs):
        target = url.full_url if isinstance(url, urllib.request.Request) else str(url)
        host = urllib.parse.urlsplit(target).hostname or ""
        if _CFN_RESPONSE_HOST.match(host):
            print(f"moto_lambda: a response to {host} dropped (not a request of this emulator)", file=sys.__stderr__)
            return urllib.response.addinfourl(io.BytesIO(b""), {}, target, 200)
        if host not in ("127.0.0.1", "localhost"):
            raise urllib.error.URLError(f"{host}: the emulator's Lambda functions reach no network")
        return urllib.request.urlopen(url, data, *args, **kwargs)

    request = types.ModuleType("urllib.request")
    request.__dict__.update(vars(urllib.request))
    request.urlopen = urlopen
    shim = types.ModuleType("urllib")
    shim.__dict__.update(vars(urllib))
    shim.request, shim.parse, shim.error, shim.response = request, urllib.parse, urllib.error, urllib.response
    return shim


_URLLIB = _urllib_module()


def _os_module(environ):
    shim = types.ModuleType("os")
    shim.__dict__.update(vars(os))
    shim.environ = environ
    shim.getenv = lambda key, default=None: environ.get(key, default)
    shim.putenv = environ.__setitem__
    shim.unsetenv = lambda key: environ.pop(key, None)
    return shim


def _boto3_module(credentials, region, endpoint):
    import boto3
    import boto3.session

    base = boto3.session.Session
    init_signature = inspect.signature(base.__init__)
    client_signature = inspect.signature(base.client)
    resource_signature = inspect.signature(base.resource)
    key, secret, token = credentials

    def with_endpoint(signature, session, args, kwargs):
        arguments = signature.bind(session, *args, **kwargs).arguments
        del arguments["self"]
        if arguments.get("endpoint_url") is None:
            arguments["endpoint_url"] = endpoint
        return arguments

    class Session(base):
        """boto3.session.Session with the function's credentials, Region and endpoint by default."""

        def __init__(self, *args, **kwargs):
            arguments = init_signature.bind(self, *args, **kwargs).arguments
            del arguments["self"]
            if not any(arguments.get(k) for k in ("aws_access_key_id", "profile_name", "botocore_session")):
                arguments.update(aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)
            if not arguments.get("region_name"):
                arguments["region_name"] = region
            super().__init__(**arguments)

        def client(self, *args, **kwargs):
            return super().client(**with_endpoint(client_signature, self, args, kwargs))

        def resource(self, *args, **kwargs):
            return super().resource(**with_endpoint(resource_signature, self, args, kwargs))

    class Boto3(types.ModuleType):
        def __getattr__(self, name):
            return getattr(boto3, name)

    shim = Boto3("boto3")
    shim.__dict__.update(vars(boto3))
    session_module = types.ModuleType("boto3.session")
    session_module.__dict__.update(vars(boto3.session))
    session_module.Session = Session
    shim.session = session_module
    shim.Session = Session
    shim.DEFAULT_SESSION = None

    def setup_default_session(**kwargs):
        shim.DEFAULT_SESSION = Session(**kwargs)

    def default_session():
        if shim.DEFAULT_SESSION is None:
            setup_default_session()
        return shim.DEFAULT_SESSION

    shim.setup_default_session = setup_default_session
    shim._get_default_session = default_session
    shim.client = lambda *args, **kwargs: default_session().client(*args, **kwargs)
    shim.resource = lambda *args, **kwargs: default_session().resource(*args, **kwargs)
    return shim


# --------------------------------------------------------------------------
# CloudFormation custom resources
# --------------------------------------------------------------------------

class ResourceFailed(Exception):
    """A resource failed to create: CloudFormation rolls the stack back."""

    def __init__(self, logical_id, reason, resource=None):
        super().__init__(reason)
        self.logical_id = logical_id
        self.reason = reason
        self.resource = resource


class CustomResourceFailed(ResourceFailed):
    def __init__(self, resource, reason):
        super().__init__(resource.logical_id, reason, resource)


class StackDeleteFailed(Exception):
    def __init__(self, stack):
        super().__init__(f"stack {stack.name} failed to delete")
        self.stack = stack


class _Pending:
    def __init__(self):
        self.arrived = threading.Event()
        self.body = None


_pending = {}
_pending_lock = threading.Lock()
_stacks = weakref.WeakValueDictionary()
_sequence = itertools.count()


def _deliver(body):
    """A response PUT to a ResponseURL: hand it to the waiting request."""
    with _pending_lock:
        pending = _pending.pop(str(body.get("RequestId")), None)
    if pending is None:
        return False
    pending.body = body
    pending.arrived.set()
    return True


def _as_strings(value):
    """CloudFormation hands every scalar property to the function as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    return value


def _service_function(token, account_id, region):
    from moto.awslambda.models import lambda_backends

    match = re.match(r"arn:[^:]+:lambda:([^:]+):(\d{12}):function:(.+)$", str(token))
    name, qualifier = token, None
    if match:
        region, account_id, name = match.groups()
        backend = lambda_backends[account_id][region]
        # An unqualified ARN; moto's own parsing splits names that hold a ":"
        # (as moto names StackSet instance stacks "StackSet:<name>").
        exact = backend._lambdas._arns.get(token)
        if exact is not None:
            return exact
        name, _, qualifier = name.rpartition(":") if ":" in name else (name, "", None)
    try:
        return lambda_backends[account_id][region].get_function(name, qualifier or None)
    except Exception:  # noqa: BLE001 - any lookup failure means "no such function"
        return None


def _request(resource, request_type, properties, old_properties=None):
    """Sends one request to the resource's function and waits for its
    response; returns (succeeded, reason, physical id, data)."""
    token = properties.get("ServiceToken")
    fn = _service_function(token, resource.account_id, resource.region_name)
    if fn is None:
        return False, f"ServiceToken {token} is not a Lambda function in the emulator", None, {}
    request_id = str(uuid.uuid4())
    event = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": f"{_endpoint}/cloudformation_{resource.region_name}/cfnresponse"
                       f"?stack={quote(resource.stack_id, safe='')}",
        "StackId": resource.stack_id,
        "RequestId": request_id,
        "LogicalResourceId": resource.logical_id,
        "ResourceType": resource.resource_type,
        "ResourceProperties": properties,
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = resource.physical_resource_id
    if old_properties is not None:
        event["OldResourceProperties"] = old_properties
    pending = _Pending()
    with _pending_lock:
        _pending[request_id] = pending
    try:
        payload, errored, _ = run_function(fn, event, CUSTOM_RESOURCE_LIMIT)
        pending.arrived.wait(RESPONSE_GRACE)
    finally:
        with _pending_lock:
            _pending.pop(request_id, None)
    body = pending.body
    if body is None:
        why = ""
        if errored:
            error = json.loads(payload)
            why = f" (the function failed: {error.get('errorType')}: {error.get('errorMessage')})"
        return (False, f"The custom resource handler sent no response to the {request_type} request{why}; "
                       "the emulator waits for the invocation only, CloudFormation would wait an hour",
                None, {})
    status = body.get("Status")
    physical = body.get("PhysicalResourceId")
    if status not in ("SUCCESS", "FAILED"):
        return False, f"Invalid response status [{status}] from custom resource", physical, {}
    if status == "FAILED":
        reason = (f"Received response status [FAILED] from custom resource. Message returned: "
                  f"{body.get('Reason')} (RequestId: {request_id})")
        return False, reason, physical, {}
    if not physical:
        return False, "Invalid PhysicalResourceId", None, {}
    data = body.get("Data") or {}
    if not isinstance(data, dict):
        return False, "Invalid Data: not an object", physical, {}
    return True, None, str(physical), data


def _event(resource, status, reason=None):
    _resource_event(resource.stack_id, resource.logical_id, resource.resource_type, status, reason,
                    physical=resource.physical_resource_id, properties=json.dumps(resource.properties))


def _resource_event(stack_id, logical_id, resource_type, status, reason=None, physical=None, properties=None):
    from moto.cloudformation.models import Event

    stack = _stacks.get(stack_id)
    if stack is None:
        return
    stack.events.append(Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical or "", resource_type=resource_type,
        resource_status=status, resource_status_reason=reason, resource_properties=properties))


def _custom_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    resource = cls(region_name, "", kwargs["LogicalId"], resource_name)
    resource.account_id = account_id
    resource.stack_id = kwargs["StackId"]
    resource.resource_type = kwargs["ResourceType"]
    resource.properties = _as_strings(cloudformation_json["Properties"])
    resource.sequence = next(_sequence)
    resource.deleted = False
    resource.physical_id = None
    _event(resource, "CREATE_IN_PROGRESS")
    succeeded, reason, physical, data = _request(resource, "Create", resource.properties)
    resource.physical_id = physical
    if not succeeded:
        _event(resource, "CREATE_FAILED", reason)
        raise CustomResourceFailed(resource, reason)
    resource.set_data(data)
    stack = _stacks.get(resource.stack_id)
    if stack is not None:
        stack.add_custom_resource(resource)
    _event(resource, "CREATE_COMPLETE")
    return resource


def _custom_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    resource = original_resource
    if not hasattr(resource, "properties"):
        return resource
    properties = _as_strings(cloudformation_json["Properties"])
    if properties == resource.properties:
        return resource
    if properties.get("ServiceToken") != resource.properties.get("ServiceToken"):
        succeeded, reason = False, "Modifying service token is not allowed."
    else:
        _event(resource, "UPDATE_IN_PROGRESS")
        succeeded, reason, physical, data = _request(resource, "Update", properties, resource.properties)
    if not succeeded:
        _event(resource, "UPDATE_FAILED", reason)
        failures = getattr(_local, "update_failures", None)
        if failures is not None:
            failures.append((resource.logical_id, reason))
        return resource
    old = resource.__class__(resource.region_name, "", resource.logical_id, resource.resource_name)
    old.__dict__.update(resource.__dict__)
    resource.properties = properties
    resource.physical_id = physical
    resource.set_data(data)
    _event(resource, "UPDATE_COMPLETE")
    if old.physical_id != physical:
        # A new physical id is a replacement: the old resource gets a Delete
        # in the clean-up phase (failures there do not fail the update).
        _clean_up_later(old)
    return resource


def _clean_up_later(resource):
    """During an update, a Delete waits for the clean-up phase, after every
    resource was created or updated (as in CloudFormation: an updated
    function handles the Deletes of the resources the update removes)."""
    cleanup = getattr(_local, "cleanup", None)
    if cleanup is None:
        _send_delete(resource)
    else:
        cleanup.append(resource)


def _send_delete(resource):
    """Sends Delete once; returns (succeeded, reason). Never raises."""
    if getattr(resource, "deleted", True):
        return True, None
    try:
        _event(resource, "DELETE_IN_PROGRESS")
        succeeded, reason, _, _ = _request(resource, "Delete", resource.properties)
    except Exception as error:  # noqa: BLE001 - a broken delete must not break moto's loops
        succeeded, reason = False, f"{type(error).__name__}: {error}"
    if succeeded:
        resource.deleted = True
        _event(resource, "DELETE_COMPLETE")
    else:
        _event(resource, "DELETE_FAILED", reason)
    return succeeded, reason


def _custom_delete(self, account_id=None, region_name=None):
    # moto's ResourceMap calls this when it deletes the resource (stack
    # deletion, rollback, removal from the template on update).
    _clean_up_later(self)


def _delete_custom_resources(resource_map):
    """Delete requests to the map's live custom resources, newest first
    (their inputs, e.g. the function, still exist); returns failures."""
    from moto.cloudformation.custom_model import CustomModel

    retained = {name for name, spec in resource_map._resource_json_map.items()
                if isinstance(spec, dict) and spec.get("DeletionPolicy") == "Retain"}
    live = [r for name, r in resource_map._parsed_resources.items()
            if isinstance(r, CustomModel) and hasattr(r, "sequence") and name not in retained]
    failures = []
    for resource in sorted(live, key=lambda r: r.sequence, reverse=True):
        succeeded, reason = _send_delete(resource)
        if not succeeded:
            failures.append((resource.logical_id, reason))
    return failures


def _failed(status):
    return "FAILED" in status or "ROLLBACK" in status


def _last_failure_reason(stack):
    for event in reversed(stack.events):
        if event.resource_status.endswith("_FAILED") and event.resource_status_reason:
            return f"{event.logical_resource_id}: {event.resource_status_reason}"
    return stack.status


def _snapshot(stack):
    resource_map = stack.resource_map
    return (stack.template, stack.template_dict, resource_map._template, resource_map._resource_json_map,
            stack.parameters, resource_map.input_parameters)


def _roll_back_create(stack, failure):
    """CREATE_FAILED: delete what was created, as CloudFormation's rollback does."""
    from moto.cloudformation.parsing import OutputMap

    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to create: [{failure.logical_id}]. "
        "Rollback requested by user."))
    problems = []
    # As in AWS, a failed custom resource gets a Delete too (with the
    # PhysicalResourceId of its FAILED response), then everything created.
    if failure.resource is not None:
        succeeded, reason = _send_delete(failure.resource)
        if not succeeded:
            problems.append((failure.logical_id, reason))
    problems += _delete_custom_resources(stack.resource_map)
    try:
        stack.resource_map.delete()
    except Exception as error:  # noqa: BLE001
        problems.append(("other resources", f"{type(error).__name__}: {error}"))
    # Nothing is left; keep moto's lazy map from creating it all again.
    stack.resource_map._resource_json_map = {}
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
    if problems:
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=(
            "The following resource(s) failed to delete: "
            + "; ".join(f"[{name}] {reason}" for name, reason in problems)))
    else:
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")


def _roll_back_update(stack, saved, failures):
    """A custom resource failed its Update (or an added one its Create): the
    stack returns to its previous template and parameters, and resources the
    update added are deleted. Other resources moto already modified in place
    are not reverted, and custom resources updated successfully in the same
    update get no second Update back to their old properties."""
    resource_map = stack.resource_map
    new_resources = resource_map._resource_json_map
    stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=(
        "The following resource(s) failed to update: [" + ", ".join(name for name, _ in failures) + "]."))
    (stack.template, stack.template_dict, resource_map._template, resource_map._resource_json_map,
     stack.parameters, resource_map.input_parameters) = saved
    resource_map.load_parameters()
    stack.output_map = stack._create_output_map()
    stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id in set(new_resources) - set(resource_map._resource_json_map):
        resource = resource_map._parsed_resources.pop(logical_id, None)
        if resource is not None and not isinstance(resource, str):
            try:
                resource_map._delete_resource(resource, new_resources[logical_id])
            except Exception:  # noqa: BLE001 - best effort, as moto's own deletes
                pass
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
    stack.status = "UPDATE_ROLLBACK_COMPLETE"


def _updating(stack, run):
    """Runs an update of `stack` (update-stack, or a change set's execution)
    as CloudFormation does: UPDATE_IN_PROGRESS while resources are created
    and updated, then, if all went well, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS
    while the resources the update removed or replaced get their Deletes.
    Returns the custom resources' failures (the update then rolls back and
    its removals never happen), after the added failed one got its Delete."""
    _local.update_failures = failures = []
    _local.cleanup = cleanup = []
    stack.status = "UPDATE_IN_PROGRESS"
    try:
        run()
    except ResourceFailed as failure:  # a resource the update adds
        failures.append((failure.logical_id, failure.reason))
        _local.cleanup = None
        if failure.resource is not None:
            _send_delete(failure.resource)
    finally:
        _local.update_failures = None
        _local.cleanup = None
    if failures:
        return failures
    if cleanup:
        # moto has already said UPDATE_COMPLETE; the clean-up comes before it.
        if stack.events and stack.events[-1].resource_status == "UPDATE_COMPLETE" \
                and stack.events[-1].resource_type == "AWS::CloudFormation::Stack":
            stack.events.pop()
        stack.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        for resource in cleanup:
            _send_delete(resource)
        stack._add_stack_event("UPDATE_COMPLETE")
    stack.status = "UPDATE_COMPLETE"
    return failures


def _is_custom(resource_type):
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"


def _target_accounts(organization, targets):
    """The accounts DeploymentTargets name: the OUs' (nested OUs too), with
    Accounts applied by AccountFilterType (UNION when not given)."""
    within, frontier = set(), set(targets.get("OrganizationalUnitIds") or [])
    while frontier:
        within |= frontier
        frontier = {ou.id for ou in organization.ou if ou.parent_id in frontier} - within
    in_ous = [account.id for account in organization.accounts if account.parent_id in within]
    listed = list(targets.get("Accounts") or [])
    return {
        "INTERSECTION": [a for a in in_ous if a in listed],
        "DIFFERENCE": [a for a in in_ous if a not in listed],
    }.get(targets.get("AccountFilterType"), in_ous + [a for a in listed if a not in in_ous])


def _install_cloudformation():
    from moto.cloudformation import custom_model, models, parsing, responses
    from moto.core.responses import ActionResult

    CustomModel = custom_model.CustomModel
    CustomModel.create_from_cloudformation_json = classmethod(_custom_create)
    CustomModel.update_from_cloudformation_json = classmethod(_custom_update)
    CustomModel.delete = _custom_delete
    CustomModel.physical_resource_id = property(
        lambda self: getattr(self, "physical_id", None) or self.resource_name)

    resource_class_from_type = parsing.resource_class_from_type

    def resource_class(resource_type):
        if resource_type == "AWS::CloudFormation::CustomResource":
            return CustomModel
        return resource_class_from_type(resource_type)

    parsing.resource_class_from_type = resource_class

    # Any resource that fails to create fails the stack, which rolls back
    # (moto let the error escape to the API call and left the stack
    # CREATE_IN_PROGRESS): CREATE_FAILED with the service's error.
    parse_and_create_resource = parsing.parse_and_create_resource

    def create_or_fail(logical_id, resource_json, resources_map, *args, **kwargs):
        try:
            return parse_and_create_resource(logical_id, resource_json, resources_map, *args, **kwargs)
        except ResourceFailed:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the service said, as CloudFormation reports it
            reason = getattr(error, "message", None) or str(error)
            reason = f"{getattr(error, 'error_type', None) or type(error).__name__}: {reason}"
            resource_type = resource_json.get("Type", "") if isinstance(resource_json, dict) else ""
            _resource_event(resources_map.stack_id, logical_id, resource_type, "CREATE_FAILED", reason)
            raise ResourceFailed(logical_id, reason) from error

    parsing.parse_and_create_resource = create_or_fail

    # An update honours each resource's Condition, as CloudFormation does: a
    # resource whose condition is false is not made (and goes, if it was
    # there), one whose condition became true is created. moto "updated" a
    # resource that was never created (its condition false before and after).
    update_resource = parsing.parse_and_update_resource

    def update_with_condition(logical_id, resource_json, resources_map, *args, **kwargs):
        condition = resource_json.get("Condition")
        existing = resources_map._parsed_resources.get(logical_id)
        if condition and not resources_map.lazy_condition_map[condition]:
            if existing is not None and not isinstance(existing, str):
                resources_map._delete_resource(existing, resource_json)
            return None
        if existing is None:
            resources_map._parsed_resources.pop(logical_id, None)
            return create_or_fail(logical_id, resource_json, resources_map, *args, **kwargs)
        return update_resource(logical_id, resource_json, resources_map, *args, **kwargs)

    parsing.parse_and_update_resource = update_with_condition

    # An update creates the custom resources it adds after it has updated
    # the others: a custom resource depends on its function (its
    # ServiceToken), which the same update may change. moto created every
    # added resource before any modification, so a function's old code
    # answered the Create of the resource its new code was written for.
    build_resource_diff = parsing.ResourceMap.build_resource_diff

    def diff_with_custom_adds_deferred(self, other_template, parameters=None):
        diff = build_resource_diff(self, other_template, parameters)
        if getattr(self, "_deferred_adds", None) is not None:
            custom = [name for name in diff["Add"]
                      if _is_custom(other_template["Resources"][name].get("Type", ""))]
            self._deferred_adds.extend(custom)
            diff["Add"] = [name for name in diff["Add"] if name not in custom]
        return diff

    parsing.ResourceMap.build_resource_diff = diff_with_custom_adds_deferred

    map_update = parsing.ResourceMap.update

    def update_custom_adds_last(self, template, parameters=None):
        self._deferred_adds = []
        try:
            map_update(self, template, parameters)
        finally:
            deferred, self._deferred_adds = self._deferred_adds, None
        for name in deferred:
            _ = self[name]

    parsing.ResourceMap.update = update_custom_adds_last

    process_cfn_response = responses.CloudFormationResponse.process_cfn_response

    def process_response(self):
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        try:
            parsed = json.loads(body or "")
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and _deliver(parsed):
            return 200, {"status": 200}, ""
        return process_cfn_response(self)

    responses.CloudFormationResponse.process_cfn_response = process_response

    Stack = models.Stack
    stack_init = Stack.__init__

    def init(self, *args, **kwargs):
        stack_init(self, *args, **kwargs)
        _stacks[self.stack_id] = self

    Stack.__init__ = init

    create_resources = Stack.create_resources

    def create(self):
        try:
            create_resources(self)
        except ResourceFailed as failure:
            self.description = self.template_dict.get("Description")
            _roll_back_create(self, failure)

    Stack.create_resources = create

    stack_update = Stack.update

    def update(self, template, role_arn=None, parameters=None, tags=None):
        saved = _snapshot(self)
        failures = _updating(self, lambda: stack_update(self, template, role_arn, parameters=parameters, tags=tags))
        if failures:
            _roll_back_update(self, saved, failures)

    Stack.update = update

    backend = models.CloudFormationBackend
    execute_change_set = backend.execute_change_set

    def execute(self, change_set_name, stack_name=None):
        change_set = self.change_sets.get(change_set_name)  # by ARN, else by name (the last, as moto)
        if change_set is None:
            for candidate in self.change_sets.values():
                if candidate.change_set_name == change_set_name:
                    change_set = candidate
        if change_set is None:
            return execute_change_set(self, change_set_name, stack_name)
        stack, saved = change_set.stack, _snapshot(change_set.stack)
        if change_set.change_set_type == "CREATE":
            try:
                execute_change_set(self, change_set_name, stack_name)
            except ResourceFailed as failure:
                change_set.execution_status = "EXECUTE_FAILED"
                _roll_back_create(stack, failure)
            return None
        failures = _updating(stack, lambda: execute_change_set(self, change_set_name, stack_name))
        if failures:
            change_set.execution_status = "EXECUTE_FAILED"
            _roll_back_update(stack, saved, failures)
        return None

    backend.execute_change_set = execute

    def delete(self):
        # DELETE_IN_PROGRESS while the custom resources get their Deletes:
        # a handler that asks CloudFormation about its stack must see it.
        self.status = "DELETE_IN_PROGRESS"
        self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        failures = _delete_custom_resources(self.resource_map)
        if not failures:
            try:
                self.resource_map.delete()
            except Exception as error:  # noqa: BLE001 - a resource the service refuses to delete
                failures = [("resources", f"{type(error).__name__}: {error}")]
        if failures:
            self.status = "DELETE_FAILED"
            self._add_stack_event("DELETE_FAILED", resource_status_reason=(
                "The following resource(s) failed to delete: "
                + "; ".join(f"[{name}] {reason}" for name, reason in failures)))
            raise StackDeleteFailed(self)
        self._add_stack_event("DELETE_COMPLETE")
        self.status = "DELETE_COMPLETE"

    Stack.delete = delete

    def delete_stack(self, name_or_stack_id):
        """moto's, except that the stack stays visible (DescribeStacks)
        while it is deleted, and a DELETE_FAILED stack stays a stack."""
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return
        export_names = [export.name for export in stack.exports]
        try:
            stack.delete()
        except StackDeleteFailed:
            return
        self.stacks.pop(stack.stack_id, None)
        self.deleted_stacks[stack.stack_id] = stack
        for export_name in export_names:
            self.exports.pop(export_name, None)

    backend.delete_stack = delete_stack

    # While a stack is *_IN_PROGRESS, moto's lazy resource map would create
    # any resource not made yet on first access: a handler's DescribeStacks
    # during its own resource's Create (outputs GetAtt that resource) made a
    # second copy of it, which invoked the handler again, and so on until
    # the waits ran out. In progress, a stack shows no outputs (as AWS
    # until it completes) and only the resources it has made.
    outputs = Stack.outputs

    def outputs_when_settled(self):
        return None if str(self.status).endswith("_IN_PROGRESS") else outputs.fget(self)

    Stack.outputs = property(outputs_when_settled)

    stack_resources = Stack.stack_resources

    def resources_made_so_far(self):
        if not str(self.status).endswith("_IN_PROGRESS"):
            return stack_resources.fget(self)
        resource_map = self.resource_map
        return [resource for name, resource in resource_map._parsed_resources.items()
                if name in resource_map._resource_json_map and resource is not None
                and not isinstance(resource, str)]

    Stack.stack_resources = property(resources_made_so_far)

    # An AWS::IAM::ManagedPolicy goes with its stack (moto kept it, so a
    # named policy blocked the next stack that makes it), and, as in IAM,
    # not while a role still holds it: DeleteConflict fails the deletion.
    from moto.iam.exceptions import DeleteConflictException
    from moto.iam.models import ManagedPolicy

    def delete_policy(self, account_id=None, region_name=None):
        if self.attachment_count > 0:
            raise DeleteConflictException(f"Cannot delete a policy attached to entities: {self.arn}")
        self.backend.delete_policy(self.arn)

    ManagedPolicy.delete = delete_policy

    # An update of its document makes a new default version, and the oldest
    # other version goes when there are five, as CloudFormation does (moto
    # had no update: the policy kept its document, and the stack lost track
    # of it). Changes to Roles, Users and Groups are not emulated.
    def update_policy(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        document = json.dumps(cloudformation_json.get("Properties", {}).get("PolicyDocument"))
        policy = original_resource
        current = next(v for v in policy.versions if v.version_id == policy.default_version_id)
        if json.loads(current.document) != json.loads(document):
            if len(policy.versions) >= 5:
                oldest = next(v for v in policy.versions if v.version_id != policy.default_version_id)
                policy.backend.delete_policy_version(policy.arn, oldest.version_id)
            policy.backend.create_policy_version(policy.arn, document, set_as_default=True)
        return policy

    ManagedPolicy.update_from_cloudformation_json = classmethod(update_policy)

    # StackSets. moto keeps a SERVICE_MANAGED instance's stack hidden (in
    # no account's CloudFormation), named after the StackSet: here it is a
    # stack of the member account and Region, named as AWS names it
    # (StackSet-NAME-UUID), visible to DescribeStacks (the controller asks
    # about its own stack) and to update-stack while it lives.
    instance_init = models.StackInstance.__init__

    def init_instance(self, account_id, region_name, stackset_id, stack_name, name, template, parameters,
                      permission_model):
        if permission_model == "SELF_MANAGED":
            instance_init(self, account_id, region_name, stackset_id, stack_name, name, template, parameters,
                          permission_model)
            return
        self.account_id, self.region_name, self.stackset_id = account_id, region_name, stackset_id
        self.stack_name, self.name, self.template = stack_name, name, template
        self.parameters, self.permission_model = parameters or [], permission_model
        params = parameters if isinstance(parameters, dict) else {
            p["ParameterKey"]: p["ParameterValue"] for p in self.parameters}
        name_in_account = f"StackSet-{name}-{uuid.uuid4()}"
        backend = models.cloudformation_backends[account_id][region_name]
        self.stack = Stack(
            stack_id=models.generate_stack_id(name_in_account, region_name, account_id), name=name_in_account,
            template=template, parameters=params, account_id=account_id, region_name=region_name,
            notification_arns=[], tags=None, role_arn=None, cross_stack_resources={},
            enable_termination_protection=False)
        backend.stacks[self.stack.stack_id] = self.stack
        self.stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        self.stack.create_resources()

    models.StackInstance.__init__ = init_instance

    instance_delete = models.StackInstance.delete

    def delete_instance(self):
        if self.permission_model == "SELF_MANAGED":
            try:
                instance_delete(self)
            except StackDeleteFailed:
                pass  # the stack keeps its DELETE_FAILED status and events
            return
        models.cloudformation_backends[self.account_id][self.region_name].delete_stack(self.stack.stack_id)

    models.StackInstance.delete = delete_instance

    instance_to_dict = models.StackInstance.to_dict

    def to_dict(self):
        summary = instance_to_dict(self)
        stack = getattr(self, "stack", None)
        if stack is not None:
            summary["StackId"] = stack.stack_id
        if stack is not None and _failed(stack.status):
            summary["Status"] = "OUTDATED"
            summary["StatusReason"] = _last_failure_reason(stack)
            summary["StackInstanceStatus"] = {"DetailedStatus": "FAILED"}
        return summary

    models.StackInstance.to_dict = to_dict

    # Deployment targets as StackSets reads them: the OUs' accounts (nested
    # OUs too), with DeploymentTargets.Accounts applied by AccountFilterType
    # (INTERSECTION, DIFFERENCE, UNION). moto ignored the filter and the
    # listed accounts, so an account could not be added within its OU, nor
    # excluded from it.
    create_in_accounts = models.StackInstances.create_instances

    def create_instances_for_targets(self, accounts, regions, parameters, deployment_targets, permission_model):
        if not (deployment_targets or {}).get("OrganizationalUnitIds"):
            return create_in_accounts(self, accounts, regions, parameters, deployment_targets, permission_model)
        chosen = _target_accounts(self.org_backend, deployment_targets)
        return create_in_accounts(self, list(accounts or []) + chosen, regions, parameters, {}, permission_model)

    models.StackInstances.create_instances = create_instances_for_targets

    def delete_instances_for_targets(self):
        name = self._get_param("StackSetName")
        accounts = self._get_param("Accounts", [])
        targets = self._get_params().get("DeploymentTargets") or {}
        if not accounts and targets.get("OrganizationalUnitIds"):
            organization = self.cloudformation_backend.describe_stack_set(name).instances.org_backend
            accounts = _target_accounts(organization, targets)
        elif not accounts:
            accounts = targets.get("Accounts") or []
        stack_set = self.cloudformation_backend.delete_stack_instances(name, accounts, self._get_param("Regions", []))
        return ActionResult({"OperationId": stack_set.operations[-1]["OperationId"]})

    responses.CloudFormationResponse.delete_stack_instances = delete_instances_for_targets

    create_stack_instances = models.StackSet.create_stack_instances

    def create_instances(self, *args, **kwargs):
        before = {id(i) for i in self.instances.stack_instances}
        operation_id = create_stack_instances(self, *args, **kwargs)
        created = [i for i in self.instances.stack_instances if id(i) not in before]
        if any(_failed(i.stack.status) for i in created if getattr(i, "stack", None) is not None):
            self.update_operation(operation_id, "FAILED")
        return operation_id

    models.StackSet.create_stack_instances = create_instances


# --------------------------------------------------------------------------
# Lambda and the server
# --------------------------------------------------------------------------

def _install_lambda():
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self, event=None):
        if event is None or event == "{}":  # moto passes "{}" for an empty payload
            event = {}
        return run_function(self, event)

    LambdaFunction._invoke_lambda = _invoke_lambda

    invoke = LambdaFunction.invoke

    def invoke_reporting_unhandled(self, body, request_headers, response_headers):
        result = invoke(self, body, request_headers, response_headers)
        if response_headers.get("x-amz-function-error") == "Handled":
            response_headers["x-amz-function-error"] = "Unhandled"  # an exception, as Lambda reports it
        return result

    LambdaFunction.invoke = invoke_reporting_unhandled

    # A stack update with inline code (Code.ZipFile: the source itself)
    # zips it, as the create does; moto took the source for a zip, and the
    # function could not run again.
    update = LambdaFunction.update_from_cloudformation_json.__func__

    def update_inline_code(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        import base64

        properties = cloudformation_json["Properties"]
        code = properties.get("Code", {})
        if isinstance(code.get("ZipFile"), str):
            zipped = base64.b64encode(cls._create_zipfile_from_plaintext_code(code["ZipFile"]))
            cloudformation_json = {**cloudformation_json,
                                   "Properties": {**properties, "Code": {**code, "ZipFile": zipped}}}
        return update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    LambdaFunction.update_from_cloudformation_json = classmethod(update_inline_code)


def install(host, port):
    """Patches moto (this process only) for a server reachable at host:port."""
    global _endpoint, _task_roots
    from moto import settings

    connect = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    _endpoint = f"http://{connect}:{port}"
    _task_roots = tempfile.TemporaryDirectory(prefix="moto-lambda-")
    settings.moto_server_host = lambda: f"http://{connect}"
    # Whatever a handler does outside the sandbox (a raw botocore session, a
    # subprocess) reaches this server, never AWS, and finds no credentials.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ENDPOINT_URL": _endpoint, "AWS_CONFIG_FILE": os.devnull,
                       "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"})
    sys.stdout = _RoutedStream(sys.stdout)
    sys.stderr = _RoutedStream(sys.stderr)
    _install_lambda()
    _install_cloudformation()
    moto_additions.install()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)))
    known, _ = parser.parse_known_args(argv)
    os.environ["MOTO_PORT"] = str(known.port)
    install(known.host, known.port)
    from moto.server import main as serve

    serve(argv)


if __name__ == "__main__":
    main()
