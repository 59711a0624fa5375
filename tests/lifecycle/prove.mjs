// prove.mjs — owns the session-lifecycle proof: for the default templates and every
// templates/examples/NAME, deploy (on paper) the central stack(s) and the member stack in
// every member account and rollout Region, read the preferences the agent would read,
// derive each call of calls.mjs from them, and evaluate it with @cloud-copilot/iam-simulate
// against the identity policy (agent / operator) and the resource policy (bucket policy or
// key policy). Prints a table per example; exits 1 if any expectation is not met.
//
// How requests are set up so iam-simulate decides as AWS would (read in
// node_modules/@cloud-copilot/iam-simulate/dist/esm/services/DefaultServiceAuthorizer.js and
// KmsServiceAuthorizer.js):
//  * sameAccount = principal's account === request.resource.accountId, so every request
//    names the resource OWNER's account (S3 ARNs carry none: the bucket's stack account).
//  * cross-account: allowed only if the resource policy is Allowed/AllowedForAccount AND the
//    identity policy is Allowed (initialEvaluationResult, "Cross Account").
//  * same account, non-KMS: identity OR resource policy suffices (trustType Implicit).
//  * KMS keys: KmsServiceAuthorizer.serviceTrustsPrincipalAccount gives trust 'Explicit'
//    only when the key policy has an account-level (…:root) statement for the caller's
//    account; otherwise 'None' and only the key policy can allow — as in KMS.
//  * service principals (CloudWatch Logs) are allowed only by the resource policy.
// What iam-simulate does NOT do, and is done here instead (clearly separated below):
//  * kms:EncryptionContext:<key> condition keys: its allowed-key lookup only expands
//    variable keys at "/" (simulationEngine.js listHasVariableKeyMatch), so
//    "kms:EncryptionContext:aws:s3:arn" is dropped into ignoredContextKeys and any
//    condition on it never matches. applyEncryptionContext() evaluates those conditions
//    against the request's encryption context first and removes them (statement applies)
//    or drops the statement (condition false), then iam-simulate sees the rest.
//  * Regions, existence of keys/buckets/log groups, the bucket's encryption type: the
//    `pre` checks of calls.mjs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { loadYaml, partitionOf, resolveStack } from './resolve.mjs';
import { CALLS, principalContext } from './calls.mjs';
import { expand } from './account.mjs';
import { jitPrincipal } from './jit.mjs';
import { auditPrincipals } from './audit.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ------------------------------------------------------------------ the example deployment
export const ORG = {
  id: 'o-a1b2c3d4e5', root: 'r-ab12',
  ou: { '111111111111': 'ou-ab12-centrallg', '222222222222': 'ou-ab12-abcdefgh', '333333333333': 'ou-ab12-ijklmnop' },
};
export const CENTRAL = '111111111111';
export const MEMBERS = ['222222222222', '333333333333'];
export const OUTSIDER = '999999999999';
const orgPath = (acct) => `${ORG.id}/${ORG.root}/${ORG.ou[acct]}/`;

// Artefacts only some configurations make: the operators' Identity Center permission set,
// and for an existing bucket the statements its policies must contain.
const optional = (root, file) => {
  const path = join(root, file);
  return existsSync(path) ? path : undefined;
};
const permissionSetIn = (root) => optional(root, 'templates/operator-permission-set.yaml');
const statementsIn = (root) => optional(root, 'templates/central-statements.json');
const guardrailIn = (root) => optional(root, 'templates/guardrail.yaml');
const replicaIn = (root) => optional(root, 'templates/replica.yaml');
const regionalIn = (root) => optional(root, 'stacksets/member-regional.yaml');
const auditIn = (root) => optional(root, 'templates/audit-policy.yaml');

export function examples() {
  const list = [{ name: 'default', config: {}, central: join(ROOT, 'templates/central.yaml'), member: join(ROOT, 'stacksets/member.yaml'), permissionSet: permissionSetIn(ROOT), statements: statementsIn(ROOT), guardrail: guardrailIn(ROOT), replica: replicaIn(ROOT), regional: regionalIn(ROOT), audit: auditIn(ROOT) }];
  const dir = join(ROOT, 'templates/examples');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const name = f.replace(/\.yaml$/, '');
    list.push({
      name, config: loadYaml(join(dir, f)) ?? {},
      central: join(dir, name, 'templates/central.yaml'), member: join(dir, name, 'stacksets/member.yaml'),
      permissionSet: permissionSetIn(join(dir, name)),
      statements: statementsIn(join(dir, name)),
      guardrail: guardrailIn(join(dir, name)),
      replica: replicaIn(join(dir, name)),
      regional: regionalIn(join(dir, name)),
      audit: auditIn(join(dir, name)),
    });
  }
  // An existing bucket may or may not use S3 Bucket Keys, which changes the encryption
  // context S3 sends to KMS (bucket ARN or object ARN): prove each such example both ways.
  return list.flatMap((e) => (e.statements
    ? [{ ...e, bucketKeyEnabled: true }, { ...e, name: `${e.name} (no Bucket Keys)`, variantOf: e.name, bucketKeyEnabled: false }]
    : [e]));
}

/** Resolve every stack of an example: central (home Region, plus replica Regions when the
 *  template takes PrimarySessionKeyArn), for each of MEMBERS the member stack in the controller
 *  Region and, where the example has one, the regional stack in every rollout Region.
 *  Member parameters: the central outputs of the same name (README "Deploying, end to end"),
 *  else the template Default. With member.previous.bucket_name, the bucket being moved away
 *  from stands beside the new one: the same central stack, deployed earlier under that name. */
export function deploy(example) {
  const cfg = example.config;
  const home = cfg.home_region ?? 'us-east-1';
  const excluded = cfg.rollout?.exclude_regions ?? [];
  const regions = (cfg.rollout?.regions ?? [home]).filter((r) => !excluded.includes(r));
  const centralT = existsSync(example.central) ? loadYaml(example.central) : { Resources: {} };
  const memberT = loadYaml(example.member);
  // A replica stack comes first, in its own Region; the central stack takes its key.
  const replica = example.replica && resolveStack(loadYaml(example.replica), { accountId: CENTRAL, region: cfg.replica.region, stackName: 'smlog-replica', parameters: {} });
  const centralParams = {
    ...(centralT.Parameters?.OrganizationId ? { OrganizationId: cfg.organization_id ?? ORG.id } : {}),
    ...(replica ? { ReplicaKeyArn: replica.outputs.ReplicaKeyArn } : {}),
  };
  const central = [resolveStack(centralT, { accountId: CENTRAL, region: home, stackName: 'smlog-central', parameters: centralParams })];
  if (centralT.Parameters?.PrimarySessionKeyArn) {
    for (const r of regions.filter((r) => r !== home)) {
      central.push(resolveStack(centralT, { accountId: CENTRAL, region: r, stackName: 'smlog-central',
        parameters: { ...centralParams, PrimarySessionKeyArn: central[0].outputs.SessionKeyArn } }));
    }
  }
  const wired = Object.fromEntries(Object.keys(memberT.Parameters ?? {})
    .filter((p) => p in central[0].outputs).map((p) => [p, central[0].outputs[p]]));
  const controllerRegion = memberT.Parameters.ControllerRegion.Default;
  const members = MEMBERS.map((acct) => resolveStack(memberT, { accountId: acct, region: controllerRegion,
    stackName: `StackSet-${cfg.rollout?.stack_set_name ?? 'session-manager-logging'}-${acct}`, parameters: wired }));
  const regionalT = example.regional && loadYaml(example.regional);
  const regional = regionalT ? MEMBERS.flatMap((acct) => regions.map((r) => resolveStack(regionalT,
    { accountId: acct, region: r, stackName: 'StackSet-smlog-regional', parameters: {} }))) : [];
  const previousName = cfg.member?.previous?.bucket_name;
  const previous = previousName && resolveStack(centralT, { accountId: CENTRAL, region: home, stackName: 'smlog-central-before-the-move',
    parameters: { ...centralParams, BucketName: previousName } });
  // In the management account; Identity Center turns it into a role in every assigned account.
  const permissionSetT = example.permissionSet && loadYaml(example.permissionSet);
  const permissionSet = permissionSetT && resolveStack(permissionSetT, { accountId: CENTRAL, region: home, stackName: 'smlog-operators',
    parameters: { InstanceArn: 'arn:aws:sso:::instance/ssoins-0123456789abcdef', ...Object.fromEntries(Object.keys(permissionSetT.Parameters ?? {})
      .filter((p) => p in central[0].outputs).map((p) => [p, central[0].outputs[p]])) } });
  const guardrail = example.guardrail && resolveStack(loadYaml(example.guardrail), { accountId: CENTRAL, region: home, stackName: 'smlog-guardrail', parameters: {} });
  // The audit policies, in the central account (the auditor) and in every member account (the audit role).
  const auditT = example.audit && loadYaml(example.audit);
  const audit = auditT ? [CENTRAL, ...MEMBERS].map((acct) => resolveStack(auditT, { accountId: acct, region: home, stackName: 'smlog-audit',
    parameters: Object.fromEntries(Object.keys(auditT.Parameters ?? {}).filter((p) => p in central[0].outputs).map((p) => [p, central[0].outputs[p]])) })) : [];
  const index = indexResources([...central, ...members, ...regional, ...(replica ? [replica] : []), ...(previous ? [previous] : [])]);
  if (example.statements) addExistingBucket(index, JSON.parse(readFileSync(example.statements, 'utf8')), example.bucketKeyEnabled);
  return { example, cfg, home, regions, controllerRegion, central, members, regional, permissionSet, guardrail, replica, wired, index, audit };
}

// An existing log archive bucket and key, as they stand once smlog's statements are merged
// into their policies (templates/central-statements.json): SSE-KMS by the key's ARN, with
// or without S3 Bucket Keys, the key administered by its own account.
function addExistingBucket(index, required, bucketKeyEnabled) {
  const [, partition, , region, account] = required.KeyArn.split(':');
  index.buckets.set(required.Bucket, {
    name: required.Bucket, arn: `arn:${partition}:s3:::${required.Bucket}`, account, region,
    policy: { Version: '2012-10-17', Statement: required.BucketPolicyStatements },
    sse: { algorithm: 'aws:kms', kmsKeyId: required.KeyArn, bucketKeyEnabled },
  });
  index.keys.set(required.KeyArn, {
    arn: required.KeyArn, account, region, aliases: [], stack: 'existing',
    policy: { Version: '2012-10-17', Statement: [{ Sid: 'AccountAdministration', Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }, ...required.KeyPolicyStatements] },
  });
}

// Buckets (with their policy and default encryption), keys (policy, aliases), log groups.
function indexResources(stacks) {
  const buckets = new Map(); const keys = new Map(); const logGroups = new Map();
  for (const s of stacks) {
    const res = Object.values(s.resources);
    for (const r of res) {
      if (r.Type === 'AWS::S3::Bucket') {
        const rule = r.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
        const policy = res.find((p) => p.Type === 'AWS::S3::BucketPolicy' && p.Properties.Bucket === r.ref)?.Properties.PolicyDocument;
        buckets.set(r.ref, { name: r.ref, arn: r.attrs.Arn, account: s.accountId, region: s.region, policy,
          accessLogsTo: r.Properties.LoggingConfiguration?.DestinationBucketName,
          sse: rule ? { algorithm: rule.ServerSideEncryptionByDefault.SSEAlgorithm, kmsKeyId: rule.ServerSideEncryptionByDefault.KMSMasterKeyID, bucketKeyEnabled: rule.BucketKeyEnabled === true || rule.BucketKeyEnabled === 'true' } : undefined });
      }
      if (r.Type === 'AWS::KMS::Key' || r.Type === 'AWS::KMS::ReplicaKey') {
        const aliases = res.filter((a) => a.Type === 'AWS::KMS::Alias' && [r.ref, r.attrs.Arn].includes(a.Properties.TargetKeyId)).map((a) => a.Properties.AliasName);
        keys.set(r.attrs.Arn, { arn: r.attrs.Arn, account: s.accountId, region: s.region, policy: r.Properties.KeyPolicy, aliases, stack: s.stackName,
          tags: Object.fromEntries((r.Properties.Tags ?? []).map((t) => [t.Key, t.Value])) });
      }
      if (r.Type === 'AWS::Logs::LogGroup') {
        logGroups.set(`${s.accountId}/${s.region}/${r.ref}`, { name: r.ref, kmsKeyId: r.Properties.KmsKeyId,
          arnNoStar: `arn:${partitionOf(s.region).partition}:logs:${s.region}:${s.accountId}:log-group:${r.ref}` });
      }
    }
  }
  return { buckets, keys, logGroups };
}

// ------------------------------------------------------------------ the preferences, as the agent reads them
// agent/framework/docparser/parameters/parameters.go ConvertToBool: bool, "" -> false, else strconv.ParseBool.
function convertToBool(v, field) {
  if (v === undefined || v === null || v === '' || v === false) return false;
  if (v === true) return true;
  if (typeof v === 'string' && /^(1|t|T|TRUE|true|True)$/.test(v)) return true;
  if (typeof v === 'string' && /^(0|f|F|FALSE|false|False)$/.test(v)) return false;
  throw new Error(`preferences ${field}=${JSON.stringify(v)}: the agent's ConvertToBool rejects it (session fails)`);
}
/** The preferences the account controller writes in `region`: the document its AccountLogging
 *  resource declares, ${Region} standing for the Region, the session key named by its alias
 *  (per-account keys) resolved to the account's key in that Region. */
export function readPreferences(memberStack, region, index) {
  const r = memberStack.resources.AccountLogging;
  if (!r) return undefined;
  const content = JSON.parse(JSON.stringify(r.Properties.Content).replaceAll('${Region}', region));
  const i = content.inputs ?? {};
  let kmsKeyId = i.kmsKeyId ?? '';
  if (kmsKeyId.startsWith('alias/')) {
    const key = [...index.keys.values()].find((k) => k.account === memberStack.accountId && k.region === region && k.aliases.includes(kmsKeyId));
    kmsKeyId = key?.arn ?? `${kmsKeyId} (no such key in ${memberStack.accountId} ${region})`;
  }
  return {
    type: r.Type, s3BucketName: i.s3BucketName ?? '', s3KeyPrefix: i.s3KeyPrefix ?? '',
    s3EncryptionEnabled: convertToBool(i.s3EncryptionEnabled, 's3EncryptionEnabled'),
    cloudWatchLogGroupName: i.cloudWatchLogGroupName ?? '',
    cloudWatchEncryptionEnabled: convertToBool(i.cloudWatchEncryptionEnabled, 'cloudWatchEncryptionEnabled'),
    cloudWatchStreamingEnabled: convertToBool(i.cloudWatchStreamingEnabled, 'cloudWatchStreamingEnabled'),
    kmsKeyId,
  };
}

// ------------------------------------------------------------------ principals and identity policies
const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
// ASSUMPTION when the member template has no operator policy: operators hold this minimal
// hand-written policy (what the Session Manager guide's end-user quickstart grants).
export const MINIMAL_OPERATOR_POLICY = (d) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'StartSessions', Effect: 'Allow', Action: 'ssm:StartSession', Resource: [`arn:${d.partition}:ec2:*:${d.account}:instance/*`, `arn:${d.partition}:ssm:*:${d.account}:document/SSM-SessionManagerRunShell`] },
    ...(d.prefs.kmsKeyId ? [{ Sid: 'SessionKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: d.prefs.kmsKeyId }] : []),
    { Sid: 'OwnSessions', Effect: 'Allow', Action: ['ssm:ResumeSession', 'ssm:TerminateSession'], Resource: `arn:${d.partition}:ssm:*:${d.account}:session/*`,
      Condition: { StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}' } } },
  ],
});

function assumedRole(account, roleName, sessionName, { path = '/', org = true, partition = 'aws' } = {}) {
  const roleId = `AROA${Buffer.from(roleName).toString('hex').toUpperCase().padEnd(17, '0').slice(0, 17)}`;
  return {
    account, arn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    roleArn: `arn:${partition}:iam::${account}:role${path}${roleName}`, userid: `${roleId}:${sessionName}`, type: 'AssumedRole',
    ...(org && ORG.ou[account] ? { orgId: ORG.id, orgPath: orgPath(account) } : {}),
  };
}

// ------------------------------------------------------------------ service control policies
const FULL_AWS_ACCESS = { name: 'FullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
export const guardrailPolicy = (dep) => dep.guardrail && Object.values(dep.guardrail.resources).find((r) => r.Type === 'AWS::Organizations::Policy');

/** The guardrail SCP's content when it is attached to the account's OU (or the root). */
function guardrailFor(dep, account) {
  const policy = guardrailPolicy(dep);
  if (!policy || !(account in ORG.ou)) return undefined;
  const targets = [policy.Properties.TargetIds].flat();
  return targets.some((t) => [ORG.root, ORG.ou[account], account].includes(t)) ? policy.Properties.Content : undefined;
}
/** A break-glass role the guardrail still allows unlogged sessions (its first exception), if any. */
function breakGlassFor(dep) {
  const policy = guardrailPolicy(dep);
  const statement = policy && [policy.Properties.Content.Statement].flat().find((st) => st.Sid === 'NoUnloggedSessions');
  return [statement?.Condition?.ArnNotLike?.['aws:PrincipalArn']].flat().filter(Boolean)[0];
}

/** The SCPs at each level above a principal of a member account: root, OU, account. */
function serviceControlPolicies(dep, p) {
  if (p.service || !(p.account in ORG.ou)) return [];
  const guardrail = guardrailFor(dep, p.account);
  return [
    { orgIdentifier: ORG.root, policies: [FULL_AWS_ACCESS] },
    { orgIdentifier: ORG.ou[p.account], policies: [FULL_AWS_ACCESS, ...(guardrail ? [{ name: 'smlog guardrail', policy: guardrail }] : [])] },
    { orgIdentifier: p.account, policies: [FULL_AWS_ACCESS] },
  ];
}

// ------------------------------------------------------------------ the one session we follow per account and Region
export function sessionSituation(dep, account, region) {
  const stack = dep.members.find((s) => s.accountId === account);
  const notes = [];
  const prefs = readPreferences(stack, region, dep.index);
  if (!prefs) throw new Error(`${account}: the member stack has no AccountLogging resource`);
  // The node we follow runs with a role in an instance profile (EC2-SSM-Core) or, when
  // only the DHMC path reaches roles, with the DHMC role. It holds the agent policy only if
  // the controller's selection (its AccountLogging resource's Roles) reaches that role.
  const created = stack.resources.SessionLoggingAgentPolicy;
  if (!created) notes.push('the member stack creates no SessionLoggingAgentPolicy in its Region (ControllerRegion?)');
  const roles = stack.resources.AccountLogging.Properties.Roles ?? {};
  const isTrue = (v) => v === true || String(v).toLowerCase() === 'true';
  const listed = (v) => (Array.isArray(v) ? v : String(v ?? '').split(',')).map((n) => String(n).trim()).filter(Boolean);
  const viaProfiles = isTrue(roles.InstanceProfileRoles);
  const viaDhmc = isTrue(roles.DefaultHostManagementRole);
  const viaActivations = isTrue(roles.ActivationRoles);
  const dhmc = !viaProfiles && !listed(roles.AgentRoleNames).includes('EC2-SSM-Core') && viaDhmc;
  const agentRole = dhmc ? 'AWSSystemsManagerDefaultEC2InstanceManagementRole' : 'EC2-SSM-Core';
  const holds = viaProfiles || listed(roles.AgentRoleNames).includes(agentRole) || (dhmc && viaDhmc);
  notes.push(holds
    ? `the node's role ${agentRole} gets the agent policy (${viaProfiles ? 'every instance-profile role' : dhmc ? 'the DHMC role' : 'named role'})`
    : `no attach path reaches the node's role ${agentRole}: it holds no agent policy`);
  const agentPolicies = holds && created ? [created] : [];
  const operatorPolicies = [stack.resources.SessionOperatorPolicy].filter(Boolean);
  const operatorRoles = listed(roles.OperatorRoleNames);
  const operatorRole = operatorRoles[0] ?? 'SessionOperators';
  if (operatorPolicies.length && !operatorRoles.length) notes.push('ASSUMPTION: the operator policy is attached by a baseline (no operator role names configured)');
  if (!operatorPolicies.length) notes.push('ASSUMPTION: no operator policy in the template; operators hold the minimal hand-written policy MINIMAL_OPERATOR_POLICY (prove.mjs)');
  const env = stack.resources.SmlogHandler.Properties.Environment.Variables;
  // The controller creates (or adopts) the session log group with its Region's key, found by alias.
  if (env.SMLOG_LOG_GROUP) {
    const key = [...dep.index.keys.values()].find((k) => k.account === account && k.region === region && k.aliases.includes(env.SMLOG_LOGS_KEY_ALIAS));
    dep.index.logGroups.set(`${account}/${region}/${env.SMLOG_LOG_GROUP}`, { name: env.SMLOG_LOG_GROUP, kmsKeyId: key?.arn,
      arnNoStar: `arn:${partitionOf(region).partition}:logs:${region}:${account}:log-group:${env.SMLOG_LOG_GROUP}` });
  }

  const instanceId = 'i-0123456789abcdef0';
  const { partition, urlSuffix } = partitionOf(region);
  const operator = assumedRole(account, operatorRole, 'alice', { partition });
  const bucket = dep.index.buckets.get(prefs.s3BucketName);
  const lg = dep.index.logGroups.get(`${account}/${region}/${prefs.cloudWatchLogGroupName}`);
  const other = MEMBERS.find((m) => m !== account);
  const d = {
    partition, urlSuffix, account, region, instanceId, other, outsider: OUTSIDER,
    sessionId: 'alice-0a1b2c3d4e5f60718', // "<role session name>-<hex>" (user guide "About session ID ARN formats")
    operator, prefs, bucket, notes,
    bucketArnForPrefs: `arn:${partition}:s3:::${prefs.s3BucketName}`,
    logGroup: lg, logGroupArnBase: `arn:${partition}:logs:${region}:${account}:log-group:${prefs.cloudWatchLogGroupName}`,
    documentArn: `arn:${partition}:ssm:${region}:${account}:document/SSM-SessionManagerRunShell`,
    controller: Boolean(stack.resources.SmlogHandlerRole),
    controllerRegion: stack.region, controllerStackId: env.SMLOG_STACK_ID,
    controllerRoleArn: stack.resources.SmlogHandlerRole?.attrs.Arn,
    reportBus: env.SMLOG_REPORT_BUS,
    perAccountKey: env.SMLOG_SESSION_KEY_LOOKUP === 'alias',
    agentPolicyArn: created?.ref,
    agentRoleArn: `arn:${partition}:iam::${account}:role${dhmc ? '/service-role/' : '/'}${agentRole}`,
    viaProfiles, viaDhmc, viaActivations,
    logGroupByController: Boolean(env.SMLOG_LOG_GROUP),
    rdpRegions: env.SMLOG_RDP_REGIONS ? env.SMLOG_RDP_REGIONS.split(',') : [], rolloutRegions: dep.regions,
    jit: dep.cfg.session?.just_in_time === true, orgId: ORG.id,
    parameterArn: `arn:${partition}:ssm:${region}:${account}:parameter${env.SMLOG_PARAMETER_PREFIX}bucket-name`,
    guardrail: Boolean(guardrailFor(dep, account)),
    breakGlass: breakGlassFor(dep),
    previousBucket: dep.cfg.member?.previous?.bucket_name && dep.index.buckets.get(dep.cfg.member.previous.bucket_name),
    // The bucket the log bucket's server access logs go to, when a template creates it.
    accessLogs: bucket?.accessLogsTo && dep.index.buckets.get(bucket.accessLogsTo),
    keyRegion: (arn) => String(arn).split(':')[3],
    keyAccount: (arn) => String(arn).split(':')[4],
    keyExists: (arn) => dep.index.keys.has(arn),
    operatorPolicyFromTemplate: operatorPolicies.length > 0,
  };
  // A multi-Region key and its replicas are one key (one mrk- id, one policy) under Regional ARNs.
  const sameKey = (a, b) => a === b || (/:key\/mrk-/.test(a ?? '') && a?.split(':')[4] === b?.split(':')[4] && a?.split('/')[1] === b?.split('/')[1]);
  d.bucketKeyIsOnlyForS3 = Boolean(bucket?.sse?.kmsKeyId) && !sameKey(bucket.sse.kmsKeyId, prefs.kmsKeyId);
  d.principals = {
    agent: { ...assumedRole(account, agentRole, instanceId, { path: dhmc ? '/service-role/' : '/', partition }), sourceInstanceArn: `arn:${partition}:ec2:${region}:${account}:instance/${instanceId}`,
      policies: agentPolicies.map((p, n) => ({ name: `SessionLoggingAgentPolicy${n || ''}`, policy: p.Properties.PolicyDocument })) },
    operator: { ...operator, policies: operatorPolicies.length
      ? operatorPolicies.map((p, n) => ({ name: `SessionOperatorPolicy${n || ''}`, policy: p.Properties.PolicyDocument }))
      : [{ name: 'MINIMAL_OPERATOR_POLICY(assumption)', policy: MINIMAL_OPERATOR_POLICY({ account, prefs, partition }) }] },
    'member-admin': { ...assumedRole(account, 'AWSReservedSSO_AdministratorAccess_0123456789abcdef', 'admin', { partition }), policies: [{ name: 'AdministratorAccess', policy: ADMIN_POLICY }] },
    outsider: { ...assumedRole(OUTSIDER, 'Admin', 'mallory', { org: false, partition }), policies: [{ name: 'AdministratorAccess', policy: ADMIN_POLICY }] },
    'cloudwatch-logs': { service: true, arn: `logs.${region}.${urlSuffix}`, account, policies: [] },
    // S3's server access log delivery, for the log bucket (in the central account).
    's3-logging': { service: true, arn: 'logging.s3.amazonaws.com', account: bucket?.account, policies: [] },
    guiconnect: { service: true, arn: 'ssm-guiconnect.amazonaws.com', account, policies: [] },
    jit: jitPrincipal(assumedRole(account, 'SSM-JustInTimeAccessTokenRole', 'alice', { partition }), partition),
    // CloudFormation's role in service-managed StackSet instances (AdministratorAccess).
    'stackset-exec': { ...assumedRole(account, 'stacksets-exec-0123456789abcdef0123456789abcdef', 'cfn', { partition }), policies: [{ name: 'AdministratorAccess', policy: ADMIN_POLICY }] },
  };
  const controllerRole = stack.resources.SmlogHandlerRole;
  if (controllerRole) {
    d.principals.controller = { ...assumedRole(account, controllerRole.ref, 'smlog-session-logging', { path: controllerRole.Properties.Path ?? '/', partition }),
      policies: controllerRole.Properties.Policies.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })) };
  }
  if (d.breakGlass) {
    const [, path, name] = d.breakGlass.match(/:role(\/(?:.*\/)?)([^/*]+)$/) ?? [];
    d.principals['break-glass'] = { ...assumedRole(account, name ?? 'BreakGlass', 'oncall', { path: path ?? '/', partition }),
      policies: [{ name: 'AdministratorAccess', policy: ADMIN_POLICY }] };
  }
  d.principals['s3-for-agent'] = d.principals.agent; // S3 calls KMS with the uploader's identity
  Object.assign(d.principals, auditPrincipals(dep, d, assumedRole));
  const role = dep.central[0].resources.ReplicationRole;
  if (dep.replica && role) {
    // S3 replicates with the central stack's role, in the central account.
    const copy = dep.replica.resources.ReplicaBucket;
    d.replica = { bucket: copy.ref, arn: copy.attrs.Arn, region: dep.replica.region, key: dep.replica.outputs.ReplicaKeyArn };
    d.principals.replication = { ...assumedRole(CENTRAL, role.ref, 's3-replication', { path: role.Properties.Path ?? '/', partition, org: false }),
      policies: role.Properties.Policies.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })) };
  }
  if (dep.permissionSet) {
    // The same session, started by an Identity Center user through the permission set's role.
    const sso = assumedRole(account, 'AWSReservedSSO_SessionManagerOperator_0123456789abcdef', 'alice',
      { path: `/aws-reserved/sso.amazonaws.com/${region}/`, partition });
    const policy = Object.values(dep.permissionSet.resources).find((r) => r.Type === 'AWS::SSO::PermissionSet').Properties.InlinePolicy;
    d.viaIdentityCenter = { ...d, identityCenter: true, operator: sso, principals: { ...d.principals, operator: { ...sso, policies: [{ name: 'SessionManagerOperator permission set', policy }] } } };
  }
  return d;
}

// ------------------------------------------------------------------ outside iam-simulate: kms:EncryptionContext:* conditions
const glob = (pattern, s) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(s);
function conditionHolds(operator, expected, actual) {
  let op = operator; let set = null;
  if (op.startsWith('ForAnyValue:')) { set = 'any'; op = op.slice(12); }
  if (op.startsWith('ForAllValues:')) { set = 'all'; op = op.slice(13); }
  const ifExists = op.endsWith('IfExists'); if (ifExists) op = op.slice(0, -8);
  const want = [expected].flat().map(String);
  if (op === 'Null') return (actual === undefined) === (want[0] === 'true');
  if (actual === undefined) return ifExists || set === 'all' || op.includes('Not');
  const test = {
    StringEquals: (w, a) => w === a, StringEqualsIgnoreCase: (w, a) => w.toLowerCase() === a.toLowerCase(),
    StringLike: glob, ArnEquals: (w, a) => w === a, ArnLike: glob,
  };
  const base = op.replace('Not', ''); const negated = op.includes('Not');
  if (!test[base]) throw new Error(`encryption-context check: operator ${operator} not supported`);
  const one = (a) => want.some((w) => test[base](w, a)) !== negated;
  return [actual].flat().every(one);
}
/** Evaluate every kms:EncryptionContext:<key> condition of `policy` against `context`.
 *  Statements whose EC conditions hold keep their other conditions; the others are dropped. */
export function applyEncryptionContext(policy, context, label) {
  const notes = []; const isEc = (k) => /^kms:encryptioncontext:/i.test(k);
  const statements = [policy.Statement].flat().flatMap((st) => {
    if (!st.Condition) return [st];
    const cond = {}; let holds = true; let checked = false;
    for (const [op, kv] of Object.entries(st.Condition)) {
      const rest = {};
      for (const [k, v] of Object.entries(kv)) {
        if (!isEc(k)) { rest[k] = v; continue; }
        checked = true;
        const actual = Object.entries(context).find(([ck]) => ck.toLowerCase() === k.toLowerCase())?.[1];
        if (!conditionHolds(op, v, actual)) { holds = false; notes.push(`${label}/${st.Sid ?? '?'}: ${op} ${k}=${JSON.stringify(v)} does not hold for ${JSON.stringify(actual ?? null)}`); }
      }
      if (Object.keys(rest).length) cond[op] = rest;
    }
    if (!checked) return [st];
    if (holds) notes.push(`${label}/${st.Sid ?? '?'}: encryption context ok`);
    if (!holds) return [];
    const { Condition, ...copy } = st;
    return [Object.keys(cond).length ? { ...copy, Condition: cond } : copy];
  });
  return { policy: { ...policy, Statement: statements }, notes };
}

// ------------------------------------------------------------------ evaluate one call
export async function evaluate(call, d, dep) {
  for (const p of call.pre?.(d) ?? []) if (!p.ok) return { got: 'deny', why: `precondition: ${p.why}` };
  const p = d.principals[call.caller];
  const resource = call.resource(d);
  const callCtx = call.context(d);
  let resourceAccount = call.resourceAccount?.(d) ?? d.account; let resourcePolicy; let resourceCtx = {}; let policyName = 'none';
  let requestRegion = d.region;
  if (/^arn:[^:]+:s3:::/.test(resource)) {
    const b = dep.index.buckets.get(resource.replace(/^arn:[^:]+:s3:::/, '').split('/')[0]);
    if (!b) return { got: 'deny', why: `no such bucket ${resource}` };
    resourceAccount = b.account; resourcePolicy = b.policy; policyName = 'bucket policy'; requestRegion = b.region;
    if (call.squatter) {
      // The bucket name, deleted and re-registered by someone else, who lets anyone write.
      resourceAccount = d.outsider; policyName = 'squatter\'s bucket policy';
      resourcePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] };
    }
    resourceCtx = { 's3:ResourceAccount': resourceAccount };
  } else if (/^arn:[^:]+:kms:/.test(resource)) {
    const k = dep.index.keys.get(resource);
    if (!k) return { got: 'deny', why: `no such key ${resource}` };
    resourceAccount = k.account; resourcePolicy = k.policy; policyName = `key policy (${k.stack} ${k.region})`; requestRegion = k.region;
    resourceCtx = { 'kms:CallerAccount': p.account, ...(k.aliases.length ? { 'kms:ResourceAliases': k.aliases } : {}),
      ...Object.fromEntries(Object.entries(k.tags ?? {}).map(([tag, value]) => [`aws:ResourceTag/${tag}`, value])) };
  } else if (resource.startsWith('arn:')) resourceAccount = resource.split(':')[4] || d.account;
  if (call.sharedByOwner) {
    // A document its owner shares (ModifyDocumentPermission, here with every account): the
    // owner's side admits the call, so the caller's own policy alone decides.
    policyName = 'document shared by its owner';
    resourcePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: call.action, Resource: resource }] };
  }
  const context = {
    ...(p.service ? { 'aws:SecureTransport': 'true', 'aws:SourceAccount': d.account, 'aws:PrincipalIsAWSService': 'true', 'aws:RequestedRegion': requestRegion } : principalContext(p, requestRegion)),
    'aws:ResourceAccount': resourceAccount, ...resourceCtx, ...callCtx,
  };
  let identities = p.policies;
  if (call.extraIdentity === 'admin') identities = [...identities, { name: 'AdministratorAccess', policy: ADMIN_POLICY }];
  const ecNotes = [];
  const ec = (pol, label) => { const r = applyEncryptionContext(pol, context, label); ecNotes.push(...r.notes); return r.policy; };
  identities = identities.map((i) => ({ name: i.name, policy: ec(i.policy, i.name) }));
  if (resourcePolicy) resourcePolicy = ec(resourcePolicy, policyName);
  const simContext = Object.fromEntries(Object.entries(context).filter(([k]) => !/^kms:encryptioncontext:/i.test(k)));
  const result = await runSimulation({
    request: { principal: p.arn, action: call.action, resource: { resource, accountId: resourceAccount }, contextVariables: simContext },
    identityPolicies: identities, serviceControlPolicies: serviceControlPolicies(dep, p), resourceControlPolicies: [], resourcePolicy,
    ...(p.sessionPolicy ? { sessionPolicy: p.sessionPolicy } : {}),
  }, { simulationMode: 'Strict' });
  if (result.resultType === 'error') return { got: 'error', why: `iam-simulate error: ${JSON.stringify(result.errors)}` };
  const a = result.result?.analysis ?? result.results?.[0]?.analysis;
  const sids = (an, kind) => (an?.[kind] ?? []).map((st) => st.statement.sid?.() ?? '(no Sid)').join(',');
  const part = (label, result, an) => {
    const allow = sids(an, 'allowStatements'); const deny = sids(an, 'denyStatements');
    return `${label} ${result}${allow || deny ? ` (${[allow && `allow: ${allow}`, deny && `deny: ${deny}`].filter(Boolean).join('; ')})` : ''}`;
  };
  const why = [
    p.service ? `service principal ${p.arn}` : part('identity', a.identityAnalysis.result, a.identityAnalysis),
    resourcePolicy ? part(policyName, a.resourceAnalysis?.result ?? '-', a.resourceAnalysis) : 'no resource policy',
    ...(a.scpAnalysis ? [`SCPs ${a.scpAnalysis.result}${a.scpAnalysis.ouAnalysis.flatMap((ou) => ou.denyStatements ?? []).length
      ? ` (deny: ${a.scpAnalysis.ouAnalysis.flatMap((ou) => (ou.denyStatements ?? []).map((st) => st.statement.sid?.() ?? '(no Sid)')).join(',')})` : ''}`] : []),
    ...(p.service ? [] : [a.sameAccount ? 'same account' : 'cross-account']),
    ...(ecNotes.length ? [`EC checked outside iam-simulate: ${ecNotes.join('; ')}`] : []),
  ].join('; ');
  return { got: result.overallResult === 'Allowed' ? 'allow' : 'deny', why, ignored: result.result?.ignoredContextKeys ?? [] };
}

// ------------------------------------------------------------------ run and print
const pad = (s, n) => (String(s).length > n ? `${String(s).slice(0, n - 1)}…` : String(s).padEnd(n));
export async function proveExample(example, { verbose = false, out = console.log, dep = deploy(example) } = {}) {
  const failures = []; const notes = new Set();
  out(`\n=== ${example.name}: central ${CENTRAL} in ${dep.central.map((s) => s.region).join(', ')}; members ${MEMBERS.join(', ')} in ${dep.regions.join(', ')}`);
  out(`    member parameters wired from central outputs: ${Object.keys(dep.wired).join(', ') || 'none'}`);
  const scp = guardrailPolicy(dep)?.Properties.Content;
  if (scp) out(`    guardrail SCP: ${JSON.stringify(scp).length} of 5,120 characters`);
  for (const account of MEMBERS) for (const region of dep.regions) {
    const d = sessionSituation(dep, account, region);
    d.notes.forEach((n) => notes.add(n));
    out(`  -- ${account} ${region}: prefs bucket=${d.prefs.s3BucketName} prefix=${d.prefs.s3KeyPrefix} s3Enc=${d.prefs.s3EncryptionEnabled} kmsKeyId=${d.prefs.kmsKeyId || '-'} logGroup=${d.prefs.cloudWatchLogGroupName || '-'} (${d.prefs.type})`);
    out(`     ${pad('call', 48)} ${pad('caller', 15)} ${pad('expect', 6)} ${pad('got', 6)}  why`);
    const runs = CALLS.flatMap((row) => (row.when.test(d) ? expand(row, d) : [])).flatMap((call) => [[call, d, call.caller],
      ...(call.caller === 'operator' && d.viaIdentityCenter ? [[call, d.viaIdentityCenter, 'operator(SSO)']] : [])]);
    for (const [call, situation, caller] of runs) {
      if (!call.when.test(situation)) continue;
      const r = await evaluate(call, situation, dep);
      const ok = call.expect === 'either' || call.expect === r.got;
      if (!ok) failures.push({ example: example.name, account, region, call: call.id, caller, action: call.action, expect: call.expect, got: r.got, why: r.why, ifDenied: call.ifDenied });
      out(`  ${ok ? '  ' : 'XX'} ${pad(call.id, 48)} ${pad(caller, 15)} ${pad(call.expect, 6)} ${pad(r.got, 6)}  ${r.why}`);
      if (verbose) out(`        ${call.action} ${call.resource(d)}  when: ${call.when.text}  source: ${call.source}${r.ignored?.length ? `  ignored keys: ${r.ignored.join(',')}` : ''}`);
    }
  }
  for (const n of notes) out(`  NOTE ${n}`);
  out(`  ${failures.length ? `FAIL ${failures.length} expectation(s) not met` : 'PASS'} (${example.name})`);
  return failures;
}

export async function main(argv = process.argv.slice(2)) {
  const only = argv.filter((a) => !a.startsWith('-'));
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  console.log('Session lifecycle proof (iam-simulate; kms:EncryptionContext:* conditions are checked outside iam-simulate, see prove.mjs)');
  const all = [];
  for (const ex of examples().filter((e) => !only.length || only.includes(e.name))) all.push(...await proveExample(ex, { verbose }));
  console.log(`\nlifecycle proof: ${all.length ? `${all.length} failure(s)` : 'all expectations met'}`);
  for (const f of all) console.log(`  ${f.example} ${f.account} ${f.region} ${f.call} (${f.action}): expected ${f.expect}, got ${f.got} — ${f.why}${f.ifDenied && f.got === 'deny' ? ` => ${f.ifDenied}` : ''}`);
  return all.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
