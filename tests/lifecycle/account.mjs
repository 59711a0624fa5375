// account.mjs — owns the calls of an account's life that are not a session's: what the
// account controller (src/stacks/controller/controller.py) calls in every Region, what it must
// not be able to do, and the guardrail's two tables: every way a member administrator could
// stop or dodge session logging (each denied with the SCP attached at the OU), and the
// legitimate work the SCP must leave alone (each allowed). Rows have the shape of calls.mjs's.

import { GUI_CONNECT } from './jit.mjs';

const CONTROLLER = 'src/stacks/controller/controller.py';
const arn = (d, service, region, rest) => `arn:${d.partition}:${service}:${region}:${d.account}:${rest}`;
const controllerFunction = (d) => arn(d, 'lambda', d.controllerRegion, 'function:smlog-session-logging');
const ownStack = (d) => d.controllerStackId;
const role = (d, path) => `arn:${d.partition}:iam::${d.account}:role/${path}`;
const execRole = (d) => role(d, 'stacksets-exec-0123456789abcdef0123456789abcdef');
const rule = (d, name) => arn(d, 'events', d.controllerRegion, `rule/${name}`);
// AWS-owned documents' ARNs have no account (arn:aws:ssm:REGION::document/AWS-...); iam-simulate
// matches no resource type without one, so the rows name the caller's account, which the
// guardrail's `*` account matches just the same.
const awsDocument = (d, name) => arn(d, 'ssm', d.region, `document/${name}`);
const policyArn = (d, name) => `arn:${d.partition}:iam::${d.account}:policy/${name}`;

const controllerRow = (id, action, resource, context, text, source, test = () => true) => ({
  id: `controller.${id}`, caller: 'controller', action, expect: 'allow',
  ifDenied: 'the controller cannot converge this account: its sessions fail or go unlogged',
  when: { text, test: (d) => Boolean(d.controller) && test(d) }, resource, context, source: `${CONTROLLER} ${source}`,
});
const controllerDeny = (id, action, resource, context, text, source, test = () => true) => ({
  id: `deny.controller.${id}`, caller: 'controller', action, expect: 'deny',
  when: { text, test: (d) => Boolean(d.controller) && test(d) }, resource, context, source: `controller role: ${source}`,
});

export const CONTROLLER_CALLS = [
  ...['ssm:GetDocument', 'ssm:DescribeDocument', 'ssm:CreateDocument', 'ssm:UpdateDocument', 'ssm:UpdateDocumentDefaultVersion'].map((action) =>
    controllerRow(`${action.slice(4)}(preferences)`, action, (d) => d.documentArn, () => ({}),
      'the controller writes, repairs and on removal gives back the preferences, in this Region from its own', 'current() / write() / restore_region()')),
  controllerRow('GetServiceSetting(default host management)', 'ssm:GetServiceSetting',
    (d) => arn(d, 'ssm', d.region, 'servicesetting/ssm/managed-instance/default-ec2-instance-management-role'), () => ({}),
    'each Region\'s Default Host Management role gets the agent policy', 'regional_roles()', (d) => d.viaDhmc),
  controllerRow('DescribeActivations', 'ssm:DescribeActivations', () => '*', () => ({}),
    'hybrid activations\' roles get the agent policy', 'regional_roles()', (d) => d.viaActivations),
  controllerRow('ListInstanceProfiles', 'iam:ListInstanceProfiles', () => '*', () => ({}),
    'every instance-profile role gets the agent policy', 'selected_roles()', (d) => d.viaProfiles),
  controllerRow('GetRole(node role)', 'iam:GetRole', (d) => d.agentRoleArn, () => ({}), 'the role\'s path and boundary', 'attach()'),
  controllerRow('GetPolicyVersion(a role\'s boundary)', 'iam:GetPolicyVersion', (d) => policyArn(d, 'TeamBoundary'), () => ({}),
    'a permissions boundary that would block the agent is reported', 'boundary_blocks()'),
  controllerRow('ListEntitiesForPolicy(agent policy)', 'iam:ListEntitiesForPolicy', (d) => d.agentPolicyArn, () => ({}),
    'who holds the agent policy', 'holders()'),
  ...['iam:AttachRolePolicy', 'iam:DetachRolePolicy'].map((action) =>
    controllerRow(`${action.slice(4)}(agent policy, node role)`, action, (d) => d.agentRoleArn,
      (d) => ({ 'iam:PolicyARN': d.agentPolicyArn }), 'attach the agent policy; detach it when no longer selected or on removal', 'attach() / detach_everywhere()')),
  controllerRow('TagRole(smlog:attached)', 'iam:TagRole', (d) => d.agentRoleArn,
    () => ({ 'aws:TagKeys': ['smlog:attached'], 'aws:RequestTag/smlog:attached': 'agent' }), 'record which roles it attached', 'mark()'),
  controllerRow('DescribeStacks(own stack)', 'cloudformation:DescribeStacks', ownStack, () => ({}),
    'a removal is confirmed by CloudFormation before anything is given back', 'confirmed_removal()'),
  controllerRow('PutEvents(report)', 'events:PutEvents', (d) => d.reportBus, () => ({}),
    'repairs and failures reach the central team', 'publish()'),
  controllerRow('DescribeKey(own session key, by alias)', 'kms:DescribeKey', (d) => d.prefs.kmsKeyId,
    (d) => ({ 'kms:ResourceAliases': ['alias/session-manager-logs/session'] }), 'per-account keys: the session key of each Region', 'session_key()',
    (d) => d.perAccountKey),
  ...['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:PutRetentionPolicy'].map((action) =>
    controllerRow(`${action.slice(5)}(session log group)`, action, (d) => d.logGroupArnBase, () => ({}),
      'the session log group, created or adopted with its Region\'s key', 'log_group()', (d) => d.logGroupByController)),
  ...['ssm:GetParameters', 'ssm:PutParameter', 'ssm:DeleteParameters'].map((action) =>
    controllerRow(`${action.slice(4)}(/smlog/ names)`, action, (d) => d.parameterArn, () => ({}),
      'the names baselines read, published, repaired and on removal withdrawn in every Region', 'publish_names() / unpublish_names()')),
  ...['Get', 'Update', 'Delete'].map((verb) =>
    controllerRow(`${verb}ConnectionRecordingPreferences`, `ssm-guiconnect:${verb}ConnectionRecordingPreferences`, () => '*', () => ({}),
      'RDP recording preferences in every Region that records RDP', 'record_rdp() / stop_recording()', (d) => d.rdpRegions.includes(d.region))),
  controllerRow('CreateGrant(session key, through GUI Connect)', 'kms:CreateGrant', (d) => d.prefs.kmsKeyId,
    (d) => ({ 'kms:ViaService': `ssm-guiconnect.${d.region}.${d.urlSuffix}`, 'aws:ViaAWSService': 'true', 'kms:GrantIsForAWSResource': 'true' }),
    'GUI Connect checks the recording key with the caller\'s grant when preferences name it', 'record_rdp()', (d) => d.rdpRegions.includes(d.region)),
  controllerDeny('PutParameter(another parameter)', 'ssm:PutParameter', (d) => arn(d, 'ssm', d.region, 'parameter/team/database-url'), () => ({}),
    'it writes no other parameter', 'PublishNames (parameter/smlog/*)'),
  controllerDeny('AttachRolePolicy(AdministratorAccess)', 'iam:AttachRolePolicy', (d) => d.agentRoleArn,
    (d) => ({ 'iam:PolicyARN': `arn:${d.partition}:iam::aws:policy/AdministratorAccess` }), 'the controller hands out no other policy', 'AttachSmlogPoliciesOnly (iam:PolicyARN)'),
  controllerDeny('TagRole(another tag)', 'iam:TagRole', (d) => d.agentRoleArn, () => ({ 'aws:TagKeys': ['team'] }),
    'the one tag it may set is its own', 'MarkWhatItAttached (aws:TagKeys)'),
  controllerDeny('UpdateDocument(another document)', 'ssm:UpdateDocument', (d) => arn(d, 'ssm', d.region, 'document/TeamRunbook'), () => ({}),
    'it writes no other document', 'WritePreferencesInEveryRegion (one document)'),
  controllerDeny('DescribeStacks(another stack)', 'cloudformation:DescribeStacks', (d) => arn(d, 'cloudformation', d.controllerRegion, 'stack/team-app/1'),
    () => ({}), 'it reads only its own stack', 'ConfirmRemovalsWithCloudFormation'),
  controllerDeny('DeleteLogGroup(session log group)', 'logs:DeleteLogGroup', (d) => d.logGroupArnBase, () => ({}),
    'the session log group outlives the stack', 'KeepSessionLogGroups', (d) => d.logGroupByController),
  controllerDeny('CreateRole', 'iam:CreateRole', (d) => role(d, 'smlog/another'), () => ({}),
    'it creates no role', 'no iam:CreateRole'),
];

// ------------------------------------------------------------------ the guardrail: attackers and legitimate work

// Each way a member administrator (AdministratorAccess in the account) could stop or dodge
// session logging; with the guardrail attached at the account's OU, each must be denied.
const escapes = (d) => [
  ['CreateRole(stacksets-exec-*: claim the execution role\'s exemption)', 'iam:CreateRole', role(d, 'stacksets-exec-anything'), {}],
  ['UpdateAssumeRolePolicy(execution role)', 'iam:UpdateAssumeRolePolicy', execRole(d), {}],
  ['PutRolePolicy(execution role)', 'iam:PutRolePolicy', execRole(d), {}],
  ['AttachRolePolicy(execution role)', 'iam:AttachRolePolicy', execRole(d), { 'iam:PolicyARN': `arn:${d.partition}:iam::aws:policy/AdministratorAccess` }],
  ['CreateRole(/smlog/: claim the controller\'s exemption)', 'iam:CreateRole', role(d, 'smlog/escape-hatch'), {}],
  ['PassRole(controller role, to a function of their own)', 'iam:PassRole', d.controllerRoleArn, { 'iam:PassedToService': 'lambda.amazonaws.com' }],
  ['DeleteRolePolicy(controller role)', 'iam:DeleteRolePolicy', d.controllerRoleArn, {}],
  ['InvokeFunction(controller, forged event)', 'lambda:InvokeFunction', controllerFunction(d), {}],
  ['PutFunctionConcurrency(controller, to 0)', 'lambda:PutFunctionConcurrency', controllerFunction(d), {}],
  ['AddPermission(controller)', 'lambda:AddPermission', controllerFunction(d), {}],
  ['UpdateFunctionCode(controller)', 'lambda:UpdateFunctionCode', controllerFunction(d), {}],
  ['PutRule(repair schedule, DISABLED)', 'events:PutRule', rule(d, 'smlog-repair-schedule'), {}],
  ['DisableRule(IAM events)', 'events:DisableRule', rule(d, 'smlog-iam-role-events'), {}],
  ['RemoveTargets(repair schedule)', 'events:RemoveTargets', rule(d, 'smlog-repair-schedule'), {}],
  ['UpdateDocument(preferences)', 'ssm:UpdateDocument', d.documentArn, {}],
  ['DeleteDocument(preferences)', 'ssm:DeleteDocument', d.documentArn, {}],
  ['CreatePolicyVersion(agent policy)', 'iam:CreatePolicyVersion', d.agentPolicyArn, {}],
  ['DeleteStack(member stack)', 'cloudformation:DeleteStack', d.controllerStackId, {}],
  ['StartSession(a Session document of their own)', 'ssm:StartSession', arn(d, 'ssm', d.region, 'document/MyUnloggedShell'), { 'ssm:SessionDocumentAccessCheck': 'true' }],
  ['StartSession(AWS-StartSSHSession: never logged)', 'ssm:StartSession', awsDocument(d, 'AWS-StartSSHSession'), {}],
  ['StartSession(port forwarding: never logged)', 'ssm:StartSession', awsDocument(d, 'AWS-StartPortForwardingSessionToRemoteHost'), {}],
  ['PutParameter(/smlog/bucket-name: point baselines elsewhere)', 'ssm:PutParameter', d.parameterArn, {}],
  ...(outsideRegion(d) ? [['StartSession(logged document, in a Region the rollout does not cover)', 'ssm:StartSession',
    d.documentArn.replace(`:${d.region}:`, `:${outsideRegion(d)}:`), { 'aws:RequestedRegion': outsideRegion(d), 'ssm:SessionDocumentAccessCheck': 'true' }]] : []),
  ...(d.rdpRegions.length ? [['DeleteConnectionRecordingPreferences', 'ssm-guiconnect:DeleteConnectionRecordingPreferences', '*', {}]] : []),
  ...(d.rdpRegions.length && !d.rdpRegions.includes(d.region) ? [['StartSession(Remote Desktop where it cannot be recorded)', 'ssm:StartSession',
    awsDocument(d, 'AWS-StartPortForwardingSession'), GUI_CONNECT]] : []),
  ...(d.rdpRegions.length ? [] : [['StartSession(Remote Desktop, not recorded)', 'ssm:StartSession', awsDocument(d, 'AWS-StartPortForwardingSession'), GUI_CONNECT]]),
  ...(d.logGroupByController ? [['DeleteLogGroup(session log group)', 'logs:DeleteLogGroup', d.logGroupArnBase, {}]] : []),
];

/** A Region of the partition the rollout leaves out, if there is one. */
const outsideRegion = (d) => ({ aws: ['sa-east-1', 'ap-southeast-2', 'ca-central-1'], 'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'], 'aws-cn': [] }[d.partition]
  .find((r) => !d.rolloutRegions.includes(r)));

// Work the guardrail must leave alone: [caller, label, action, resource, context].
const legitimate = (d) => [
  ['member-admin', 'DetachRolePolicy(agent policy, from an application role)', 'iam:DetachRolePolicy', role(d, 'AppServers'), { 'iam:PolicyARN': d.agentPolicyArn }],
  ['member-admin', 'DeleteRole(an application role)', 'iam:DeleteRole', role(d, 'AppServers'), {}],
  ['member-admin', 'CreateRole(an application role)', 'iam:CreateRole', role(d, 'AppServers'), {}],
  ['member-admin', 'StartSession(logged shell session)', 'ssm:StartSession', d.documentArn, { 'ssm:SessionDocumentAccessCheck': 'true' }],
  ['stackset-exec', 'CreateRole(the controller\'s role)', 'iam:CreateRole', d.controllerRoleArn, {}],
  ['stackset-exec', 'PassRole(the controller\'s role)', 'iam:PassRole', d.controllerRoleArn, { 'iam:PassedToService': 'lambda.amazonaws.com' }],
  ['stackset-exec', 'UpdateFunctionCode(controller)', 'lambda:UpdateFunctionCode', controllerFunction(d), {}],
  ['stackset-exec', 'InvokeFunction(controller, the custom resource)', 'lambda:InvokeFunction', controllerFunction(d), {}],
  ['stackset-exec', 'PutRule(repair schedule)', 'events:PutRule', rule(d, 'smlog-repair-schedule'), {}],
  ['stackset-exec', 'UpdateStack(member stack)', 'cloudformation:UpdateStack', d.controllerStackId, {}],
  ['stackset-exec', 'DeleteStack(member stack)', 'cloudformation:DeleteStack', d.controllerStackId, {}],
  ['stackset-exec', 'DeleteFunction(controller)', 'lambda:DeleteFunction', controllerFunction(d), {}],
  ['stackset-exec', 'DeleteRule(repair schedule)', 'events:DeleteRule', rule(d, 'smlog-repair-schedule'), {}],
  ['stackset-exec', 'DeleteRolePolicy(the controller\'s role)', 'iam:DeleteRolePolicy', d.controllerRoleArn, {}],
  ['stackset-exec', 'DeleteRole(the controller\'s role)', 'iam:DeleteRole', d.controllerRoleArn, {}],
  ['stackset-exec', 'DeletePolicy(agent policy)', 'iam:DeletePolicy', d.agentPolicyArn, {}],
  ['controller', 'PutParameter(/smlog/bucket-name)', 'ssm:PutParameter', d.parameterArn, {}],
  ['controller', 'DetachRolePolicy(agent policy, on removal)', 'iam:DetachRolePolicy', d.agentRoleArn, { 'iam:PolicyARN': d.agentPolicyArn }],
  ...(d.rdpRegions.length ? [['controller', 'UpdateConnectionRecordingPreferences', 'ssm-guiconnect:UpdateConnectionRecordingPreferences', '*', {}]] : []),
  ...(d.rdpRegions.includes(d.region) ? [['member-admin', 'StartSession(Remote Desktop through Fleet Manager, recorded)', 'ssm:StartSession',
    awsDocument(d, 'AWS-StartPortForwardingSession'), GUI_CONNECT]] : []),
  ['controller', 'UpdateDocument(preferences)', 'ssm:UpdateDocument', d.documentArn, {}],
  ['controller', 'AttachRolePolicy(agent policy)', 'iam:AttachRolePolicy', d.agentRoleArn, { 'iam:PolicyARN': d.agentPolicyArn }],
  ...(d.breakGlass ? [['break-glass', 'StartSession(AWS-StartSSHSession, allowed by configuration)', 'ssm:StartSession',
    awsDocument(d, 'AWS-StartSSHSession'), {}]] : []),
];

export const GUARDRAIL_CALLS = [
  // One row per escape, built from the situation; the proof expands them (see expand()).
  { id: 'guardrail.escapes', caller: 'member-admin', expect: 'deny', expand: escapes,
    when: { text: 'guardrail on, attached at the account\'s OU: a member administrator tries to stop or dodge logging', test: (d) => d.guardrail },
    source: 'guardrail SCP' },
  { id: 'guardrail.legitimate', expect: 'allow', expand: legitimate,
    ifDenied: 'the guardrail blocks work it must leave alone',
    when: { text: 'guardrail on: teams, the StackSet and the controller still do their work', test: (d) => d.guardrail && Boolean(d.controller) },
    source: 'guardrail SCP' },
];

/** A table row with `expand` becomes one call per entry of its table for the situation. */
export function expand(call, d) {
  if (!call.expand) return [call];
  return call.expand(d).map((entry) => {
    const [caller, label, action, resource, context] = entry.length === 5 ? entry : [call.caller, ...entry];
    return {
      ...call, id: `${call.expect === 'deny' ? 'deny.' : ''}${caller}.${label}`, caller, action,
      resource: () => resource, context: () => context, expand: undefined,
    };
  });
}
