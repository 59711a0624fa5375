// selftest.mjs — owns the proof's self-test (`node selftest.mjs`): the iam-simulate
// semantics the proof relies on, and mutants, each breaking one thing in a deployment, that
// the proof must then report by the named call.
import { fileURLToPath } from 'node:url';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { CENTRAL, OUTSIDER, deploy, examples, guardrailPolicy, proveExample } from './prove.mjs';

// ------------------------------------------------------------------ self-test
// Each mutant breaks one thing in a deployment; the proof must then report the named call.
// The first checks pin the iam-simulate behaviour this harness relies on.
const statements = (doc) => [doc.Statement].flat();
const keyPolicy = (dep, pick) => [...dep.index.keys.values()].filter(pick).map((k) => k.policy);
const MUTANTS = [
  ['bucket policy Allow without its organisation condition', 'default', 'deny.outsider.PutObject', (dep) => {
    for (const b of dep.index.buckets.values()) statements(b.policy).filter((st) => st.Effect === 'Allow').forEach((st) => delete st.Condition);
  }],
  ['bucket policy grants BUCKET/* instead of BUCKET/${aws:PrincipalAccount}/*', 'default', 'deny.member-admin.PutObject(other account prefix)', (dep) => {
    for (const b of dep.index.buckets.values()) statements(b.policy).forEach((st) => { st.Resource = [st.Resource].flat().map((r) => r.replace('/${aws:PrincipalAccount}/*', '/*')); });
  }],
  ['bucket key policy without kms:ViaService', 'default', 'deny.member-admin.Decrypt(bucket key directly)', (dep) => {
    keyPolicy(dep, (k) => k.arn === dep.central[0].outputs.BucketKeyArn).forEach((pol) => statements(pol).forEach((st) => delete st.Condition?.StringEquals?.['kms:ViaService']));
  }],
  ['bucket key encryption context admits only objects (BUCKET/*) although Bucket Keys are on', 'default', 's3.GenerateDataKey(bucket key, for agent)', (dep) => {
    keyPolicy(dep, (k) => k.arn === dep.central[0].outputs.BucketKeyArn).forEach((pol) => statements(pol).forEach((st) => {
      const c = st.Condition?.StringLike; const k = 'kms:EncryptionContext:aws:s3:arn';
      if (c?.[k]) c[k] = [c[k]].flat().filter((v) => v.endsWith('/*'));
    }));
  }],
  ['existing bucket key admits only the bucket ARN as context, but the bucket has no Bucket Keys', 'existing-bucket (no Bucket Keys)', 's3.GenerateDataKey(bucket key, for agent)', (dep) => {
    keyPolicy(dep, (k) => k.stack === 'existing').forEach((pol) => statements(pol).forEach((st) => {
      const c = st.Condition?.StringLike; const k = 'kms:EncryptionContext:aws:s3:arn';
      if (c?.[k]) c[k] = [c[k]].flat().filter((v) => !v.endsWith('/*'));
    }));
  }],
  ['agent policy without kms:Decrypt on the bucket key', 'default', 's3.Decrypt(bucket key, multipart, for agent)', (dep) => {
    dep.members.forEach((s) => s.resources.SessionLoggingAgentPolicy && statements(s.resources.SessionLoggingAgentPolicy.Properties.PolicyDocument)
      .filter((st) => st.Sid === 'UseBucketKey').forEach((st) => { st.Action = ['kms:GenerateDataKey']; }));
  }],
  ['session key policy without the organisation statement', 'default', 'agent.Decrypt(session key)', (dep) => {
    keyPolicy(dep, (k) => k.arn === dep.central[0].outputs.SessionKeyArn).forEach((pol) => { pol.Statement = statements(pol).filter((st) => !/Organization/.test(st.Sid)); });
  }],
  ['session key usable without Session Manager\'s encryption context', 'default', 'deny.agent.Decrypt(session key, no encryption context)', (dep) => {
    keyPolicy(dep, (k) => k.arn === dep.central[0].outputs.SessionKeyArn).forEach((pol) => statements(pol).forEach((st) => {
      delete st.Condition?.Null; delete st.Condition?.['ForAllValues:StringEquals'];
    }));
  }],
  ['per-account session key policy without the account-root statement (IAM policy alone must not suffice)', 'per-account-keys', 'agent.Decrypt(session key)', (dep) => {
    keyPolicy(dep, (k) => k.account !== CENTRAL).forEach((pol) => { pol.Statement = [{ Sid: 'SomeoneElse', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` }, Action: 'kms:*', Resource: '*' }]; });
  }],
  ['access-log target admits log delivery for any source bucket', 'default', 'deny.s3-logging.PutObject(access log target, another bucket\'s logs)', (dep) => {
    for (const b of dep.index.buckets.values()) {
      statements(b.policy ?? { Statement: [] }).filter((st) => st.Principal?.Service).forEach((st) => delete st.Condition);
    }
  }],
  ['TLS deny removed', 'default', 'deny.agent.PutObject(no TLS)', (dep) => {
    for (const b of dep.index.buckets.values()) b.policy.Statement = statements(b.policy).filter((st) => st.Effect !== 'Deny');
  }],
  ['no attach path reaches the node\'s role (the original default rollout)', 'default', 'agent.GetBucketEncryption(validate)', (dep) => {
    dep.members.forEach((s) => Object.assign(s.resources.AccountLogging.Properties.Roles,
      { InstanceProfileRoles: false, AgentRoleNames: [], DefaultHostManagementRole: false, ActivationRoles: false }));
  }],
  ...[['ProtectWhatSmlogDeploys', 'deny.member-admin.InvokeFunction(controller, forged event)'],
    ['ProtectWhatTheControllerKeeps', 'deny.member-admin.UpdateDocument(preferences)'],
    ['NoUnloggedSessions', 'deny.member-admin.StartSession(AWS-StartSSHSession: never logged)']].map(([sid, target]) => [
    `guardrail without ${sid}`, 'retention-and-operators', target, (dep) => {
      const content = guardrailPolicy(dep).Properties.Content;
      content.Statement = statements(content).filter((st) => st.Sid !== sid);
    }]),
  ['session keys without the just-in-time tag', 'jit-and-rdp', 'jit.GenerateDataKey(session key)', (dep) => {
    for (const k of dep.index.keys.values()) k.tags = {};
  }],
  ['bucket policy without the RDP recordings statement', 'jit-and-rdp', 'guiconnect.PutObject(recording)', (dep) => {
    for (const b of dep.index.buckets.values()) if (b.policy) b.policy.Statement = statements(b.policy).filter((st) => !/RdpRecordings$/.test(st.Sid ?? ''));
  }],
  ['session key policy without the RDP recording grants', 'jit-and-rdp', 'jit.CreateGrant(session key, for the recording)', (dep) => {
    keyPolicy(dep, (k) => k.account === CENTRAL).forEach((pol) => { pol.Statement = statements(pol).filter((st) => !/RdpRecordingGrants$/.test(st.Sid ?? '')); });
  }],
  ['guardrail without NoSessionsOutsideLoggedRegions', 'jit-and-rdp', 'deny.member-admin.StartSession(logged document, in a Region the rollout does not cover)', (dep) => {
    const content = guardrailPolicy(dep).Properties.Content;
    content.Statement = statements(content).filter((st) => st.Sid !== 'NoSessionsOutsideLoggedRegions');
  }],
  ['guardrail without NoUnrecordedRemoteDesktop', 'jit-and-rdp', 'deny.member-admin.StartSession(Remote Desktop where it cannot be recorded)', (dep) => {
    const content = guardrailPolicy(dep).Properties.Content;
    content.Statement = statements(content).filter((st) => st.Sid !== 'NoUnrecordedRemoteDesktop');
  }],
  ['guardrail exempts every role, not only the StackSet\'s execution roles', 'retention-and-operators',
    'deny.member-admin.CreateRole(stacksets-exec-*: claim the execution role\'s exemption)', (dep) => {
      statements(guardrailPolicy(dep).Properties.Content).filter((st) => st.Sid === 'ProtectWhatSmlogDeploys').forEach((st) => {
        st.Condition.ArnNotLike['aws:PrincipalArn'] = [st.Condition.ArnNotLike['aws:PrincipalArn']].flat().map((a) => a.replace(/role\/.*$/, 'role/*'));
      });
    }],
];
export async function selfTest() {
  let bad = 0;
  const check = (ok, what) => { console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) bad++; };
  const sim = (principal, resourceAccount, identity, resourcePolicy, ctx = {}) => runSimulation({
    request: { principal, action: 'kms:Decrypt', resource: { resource: `arn:aws:kms:us-east-1:${resourceAccount}:key/k`, accountId: resourceAccount }, contextVariables: ctx },
    identityPolicies: identity ? [{ name: 'id', policy: identity }] : [], serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy,
  }, { simulationMode: 'Strict' });
  const allowId = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] };
  const root = (acct) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'kms:*', Resource: '*' }] });
  const anyOrg = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] };
  const P = 'arn:aws:sts::222222222222:assumed-role/R/s';
  console.log('iam-simulate semantics this harness relies on:');
  check((await sim(P, '111111111111', undefined, anyOrg)).overallResult !== 'Allowed', 'cross-account: key policy alone does not allow');
  check((await sim(P, '111111111111', allowId, undefined)).overallResult !== 'Allowed', 'cross-account: identity policy alone does not allow');
  check((await sim(P, '111111111111', allowId, anyOrg)).overallResult === 'Allowed', 'cross-account: both allow');
  check((await sim(P, '222222222222', allowId, root('222222222222'))).overallResult === 'Allowed', 'same-account KMS: identity policy works when the key policy delegates to the account root');
  check((await sim(P, '222222222222', allowId, root('999999999999'))).overallResult !== 'Allowed', 'same-account KMS: identity policy alone does not allow without root delegation');
  const ec = await sim(P, '111111111111', allowId, anyOrg, { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::b' });
  check(ec.result.ignoredContextKeys.includes('kms:EncryptionContext:aws:s3:arn'), 'kms:EncryptionContext:* is still ignored by iam-simulate (so it is checked outside)');
  console.log('mutants (each must be reported by the proof):');
  const exs = examples();
  for (const [what, name, target, mutate] of MUTANTS) {
    const dep = deploy(exs.find((e) => e.name === name));
    mutate(dep);
    const failures = await proveExample(dep.example, { dep, out: () => {} });
    check(failures.some((f) => f.call === target), `${name}: ${what} -> ${target}`);
  }
  console.log(bad ? `proof self-test: ${bad} check(s) failed` : 'proof self-test passed');
  return bad ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await selfTest();
