"""APIs moto 5.2.1 lacks that smlog calls, added to moto in this process:
used by the emulator (moto_lambda.py) and by the in-process controller
tests, so both see the same behaviour.

* CloudWatch Logs AssociateKmsKey: sets the log group's KMS key, as AWS does
  for the data written from then on (ResourceNotFoundException for a group
  that does not exist).
* SSM GetServiceSetting / UpdateServiceSetting / ResetServiceSetting: a
  value per account, Region and setting id; never set, it reads "$None"
  with status Default, as AWS answers for Default Host Management.
* SSM CreateActivation / DescribeActivations: activations with their role.
* IAM AttachRolePolicy: refuses an eleventh managed policy with
  LimitExceeded, as IAM's default quota of 10 per role does. A test device:
  it refuses with AccessDenied (the message an SCP's explicit deny gives)
  any attachment to a role tagged `smlog-test:refuse`, the way a
  permission boundary on the caller or a tag-conditioned SCP refuses one
  role among many (moto enforces no policies at all).
* KMS keys made by CloudFormation keep their key policy as JSON text, as
  KMS does: moto kept the template's object, and every DescribeKey of such
  a key then failed with HTTP 500 (its policy check parses the text).
  An AWS::KMS::Alias whose name is taken fails with AlreadyExistsException,
  as CreateAlias does (moto's CloudFormation path made a second alias of
  the same name).
* IAM ListEntitiesForPolicy of a customer managed policy that does not
  exist: NoSuchEntity, as IAM answers (moto listed no entities, so a
  missing agent policy looked like one attached to nothing).
* EventBridge PutEvents: a scheduled rule (no event pattern) matches no
  event, and a rule's Lambda targets are passed over. moto matched a
  scheduled rule to every event put on its bus and then failed the whole
  PutEvents with HTTP 500 on its Lambda target: the controller's report to
  the default bus failed once its repair schedule existed. (Delivery to
  Lambda is not emulated; tests invoke the function with the event.)
* SSM StartSession / TerminateSession / DescribeSessions: sessions started
  by the caller (Owner is the caller's ARN; a session of the just-in-time
  node access token role `SSM-JustInTimeAccessTokenRole` is AccessType
  JustInTime, as its credentials are), Active until terminated, then
  History. No data channel: StartSession answers with a dummy stream URL.
"""
import datetime
import uuid

JIT_ROLE = "SSM-JustInTimeAccessTokenRole"


def _ssm_state(backend):
    if not hasattr(backend, "_smlog"):
        backend._smlog = {"settings": {}, "activations": [], "sessions": []}
    return backend._smlog


def _caller_arn(response):
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends
    access_key = response.get_access_key()
    for sts in sts_backends[response.current_account].values():
        for role in getattr(sts, "assumed_roles", []):
            if role.access_key_id == access_key:
                return role.arn
    iam = iam_backends[response.current_account][response.partition]
    for user in iam.users.values():
        if any(key.access_key_id == access_key for key in user.access_keys):
            return user.arn
    return f"arn:{response.partition}:iam::{response.current_account}:root"


def _install_logs():
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.models import LogsBackend
    from moto.logs.responses import LogsResponse

    def associate_kms_key(self, log_group_name, kms_key_id):
        if log_group_name not in self.groups:
            raise ResourceNotFoundException()
        self.groups[log_group_name].kms_key_id = kms_key_id

    def associate_kms_key_response(self):
        self.logs_backend.associate_kms_key(self._get_param("logGroupName"), self._get_param("kmsKeyId"))
        return ""

    LogsBackend.associate_kms_key = associate_kms_key
    LogsResponse.associate_kms_key = associate_kms_key_response


def _install_ssm_settings(response_class):
    from moto.core.responses import ActionResult

    def describe(self, setting_id):
        value, status = _ssm_state(self.ssm_backend)["settings"].get(setting_id, ("$None", "Default"))
        arn = f"arn:{self.partition}:ssm:{self.region}:{self.current_account}:servicesetting{setting_id}"
        return {"SettingId": setting_id, "SettingValue": value, "Status": status, "ARN": arn}

    def get_service_setting(self):
        return ActionResult({"ServiceSetting": describe(self, self._get_param("SettingId"))})

    def update_service_setting(self):
        settings = _ssm_state(self.ssm_backend)["settings"]
        settings[self._get_param("SettingId")] = (self._get_param("SettingValue"), "Customized")
        return ActionResult({})

    def reset_service_setting(self):
        setting_id = self._get_param("SettingId")
        _ssm_state(self.ssm_backend)["settings"].pop(setting_id, None)
        return ActionResult({"ServiceSetting": describe(self, setting_id)})

    response_class.get_service_setting = get_service_setting
    response_class.update_service_setting = update_service_setting
    response_class.reset_service_setting = reset_service_setting


def _install_ssm_activations(response_class):
    from moto.core.responses import ActionResult

    def create_activation(self):
        activation = {"ActivationId": str(uuid.uuid4()), "IamRole": self._get_param("IamRole"),
                      "Description": self._get_param("Description", ""), "Expired": False,
                      "RegistrationLimit": self._get_param("RegistrationLimit", 1), "RegistrationsCount": 0}
        _ssm_state(self.ssm_backend)["activations"].append(activation)
        return ActionResult({"ActivationId": activation["ActivationId"], "ActivationCode": uuid.uuid4().hex})

    def describe_activations(self):
        return ActionResult({"ActivationList": list(_ssm_state(self.ssm_backend)["activations"])})

    response_class.create_activation = create_activation
    response_class.describe_activations = describe_activations


def _install_ssm_sessions(response_class):
    from moto.core.responses import ActionResult

    def start_session(self):
        owner = _caller_arn(self)
        role = owner.split("/")[1] if ":assumed-role/" in owner else ""
        session = {
            "SessionId": f"{owner.rsplit('/', 1)[-1].rsplit(':', 1)[-1]}-{uuid.uuid4().hex[:17]}",
            "Target": self._get_param("Target"),
            "DocumentName": self._get_param("DocumentName") or "SSM-SessionManagerRunShell",
            "Owner": owner, "Status": "Connected",
            "StartDate": datetime.datetime.now(datetime.timezone.utc),
            "AccessType": "JustInTime" if role == JIT_ROLE else "Standard",
        }
        if self._get_param("Reason"):
            session["Reason"] = self._get_param("Reason")
        _ssm_state(self.ssm_backend)["sessions"].append(session)
        return ActionResult({"SessionId": session["SessionId"], "TokenValue": "token",
                             "StreamUrl": f"wss://ssmmessages.{self.region}.amazonaws.com/v1/data-channel/{session['SessionId']}"})

    def terminate_session(self):
        for session in _ssm_state(self.ssm_backend)["sessions"]:
            if session["SessionId"] == self._get_param("SessionId"):
                session.update(Status="Terminated", EndDate=datetime.datetime.now(datetime.timezone.utc))
        return ActionResult({"SessionId": self._get_param("SessionId")})

    def describe_sessions(self):
        active = self._get_param("State") == "Active"
        found = [s for s in _ssm_state(self.ssm_backend)["sessions"] if (s["Status"] != "Terminated") == active]
        for flt in self._get_param("Filters") or []:
            key, value = flt["key"], flt["value"]
            if key == "InvokedAfter":
                found = [s for s in found if s["StartDate"] >= datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))]
            elif key == "InvokedBefore":
                found = [s for s in found if s["StartDate"] <= datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))]
            elif key in ("Target", "Owner", "Status", "SessionId", "AccessType"):
                found = [s for s in found if s.get(key) == value]
        limit = int(self._get_param("MaxResults") or 200)
        start = int(self._get_param("NextToken") or 0)
        page = found[start:start + limit]
        result = {"Sessions": page}
        if start + limit < len(found):
            result["NextToken"] = str(start + limit)
        return ActionResult(result)

    response_class.start_session = start_session
    response_class.terminate_session = terminate_session
    response_class.describe_sessions = describe_sessions


ROLE_POLICY_QUOTA = 10
REFUSE_TAG = "smlog-test:refuse"


def _install_iam_quota():
    from moto.iam.exceptions import IAMException, LimitExceededException
    from moto.iam.models import IAMBackend
    attach = IAMBackend.attach_role_policy

    class AccessDenied(IAMException):
        code = "AccessDenied"

    AccessDenied.__module__ = IAMException.__module__  # moto finds the service by the module

    def attach_role_policy(self, policy_arn, role_name):
        role = self.get_role(role_name)
        if any(tag["Key"] == REFUSE_TAG for tag in role.tags):
            raise AccessDenied(
                f"User is not authorized to perform: iam:AttachRolePolicy on resource: role {role_name} "
                "with an explicit deny in a service control policy")
        if policy_arn not in role.managed_policies and len(role.managed_policies) >= ROLE_POLICY_QUOTA:
            raise LimitExceededException(f"Cannot exceed quota for PoliciesPerRole: {ROLE_POLICY_QUOTA}")
        return attach(self, policy_arn, role_name)

    IAMBackend.attach_role_policy = attach_role_policy


def _install_iam_entities():
    from moto.iam.responses import IamResponse
    list_entities = IamResponse.list_entities_for_policy

    def list_entities_of_existing_policy(self):
        arn = self._get_param("PolicyArn")
        if ":iam::aws:policy/" not in arn:
            self.backend.get_policy(arn)  # NoSuchEntity when it does not exist
        return list_entities(self)

    IamResponse.list_entities_for_policy = list_entities_of_existing_policy


def _install_events():
    from moto.events.models import Rule
    send_to_targets = Rule.send_to_targets

    def send_to_deliverable_targets(self, original_event, transform_input=True):
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return
        targets = self.targets
        self.targets = [t for t in targets if ":lambda:" not in t["Arn"]]
        try:
            send_to_targets(self, original_event, transform_input)
        finally:
            self.targets = targets

    Rule.send_to_targets = send_to_deliverable_targets


def _install_kms():
    import json
    from moto.kms.exceptions import AlreadyExistsException
    from moto.kms.models import Alias, Key, kms_backends
    create = Key.create_from_cloudformation_json.__func__

    def create_with_policy_text(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        if not isinstance(properties.get("KeyPolicy"), str):
            cloudformation_json = {**cloudformation_json,
                                   "Properties": {**properties, "KeyPolicy": json.dumps(properties["KeyPolicy"])}}
        return create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create_with_policy_text)

    create_alias = Alias.create_from_cloudformation_json.__func__

    def create_unique_alias(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        name = cloudformation_json["Properties"]["AliasName"]
        if kms_backends[account_id][region_name].alias_exists(name):
            raise AlreadyExistsException(f"An alias with the name arn:aws:kms:{region_name}:{account_id}:{name} "
                                         "already exists")
        return create_alias(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Alias.create_from_cloudformation_json = classmethod(create_unique_alias)


def install():
    from moto.ssm.responses import SimpleSystemManagerResponse
    _install_logs()
    _install_kms()
    _install_events()
    _install_iam_quota()
    _install_iam_entities()
    _install_ssm_settings(SimpleSystemManagerResponse)
    _install_ssm_activations(SimpleSystemManagerResponse)
    _install_ssm_sessions(SimpleSystemManagerResponse)
