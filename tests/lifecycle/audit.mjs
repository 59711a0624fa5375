// audit.mjs — owns the calls of `smlog audit` (src/audit/, src/aws/ops.rs): what the auditor
// (whoever runs it, holding smlog-session-audit, in the central account here) and the audit
// role it assumes in every account (holding smlog-session-audit-member) must be able to read,
// and the writes (and reads of transcript content, which the audit never needs) each must be
// denied. The policies come from templates/audit-policy.yaml, resolved in prove.mjs deploy().
// Rows have the shape of calls.mjs's.

const SOURCE = 'src/aws/ops.rs';
const AUDIT_ROLE = 'smlog-session-auditor';
const transcript = (d) => `${d.bucket.arn}/${d.account}/${d.region}/${d.sessionId}.log`;
const session = (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:session/${d.sessionId}`;
const hasAudit = (d) => Boolean(d.principals.auditor);
const role = (d, account, name) => `arn:${d.partition}:iam::${account}:role/${name}`;

/** The auditor (in the central account) and the audit role in `d.account`, with the
 *  policies of the audit template resolved in those accounts; none without the template. */
export function auditPrincipals(dep, d, assumedRole) {
  const policy = (account, logicalId) => {
    const stack = dep.audit?.find((s) => s.accountId === account);
    return stack?.resources[logicalId]?.Properties.PolicyDocument;
  };
  const auditor = policy(dep.central[0].accountId, 'SessionAuditPolicy');
  const member = policy(d.account, 'SessionAuditMemberPolicy');
  if (!auditor || !member) return {};
  return {
    auditor: { ...assumedRole(dep.central[0].accountId, 'SecurityAuditor', 'audit', { partition: d.partition }),
      policies: [{ name: 'smlog-session-audit', policy: auditor }] },
    'audit-role': { ...assumedRole(d.account, AUDIT_ROLE, 'smlog-audit', { partition: d.partition }),
      policies: [{ name: 'smlog-session-audit-member', policy: member }] },
  };
}

const row = (id, caller, action, resource, context, text, source, test = () => true) => ({
  id: `audit.${id}`, caller, action, expect: 'allow', ifDenied: 'smlog audit cannot tell whether sessions were logged (reported as an error, exit 6)',
  when: { text, test: (d) => hasAudit(d) && test(d) }, resource, context, source: `${SOURCE} ${source}`,
});
const deny = (id, caller, action, resource, context, text, test = () => true) => ({
  id: `deny.audit.${id}`, caller, action, expect: 'deny',
  when: { text, test: (d) => hasAudit(d) && test(d) }, resource, context, source: 'audit policies: reads only (rules/audit_policy.guard)',
});

export const AUDIT_CALLS = [
  { ...row('ListAccounts', 'auditor', 'organizations:ListAccounts', () => '*', () => ({}),
    '--accounts all: the organisation\'s accounts (in the management or a delegated-administrator account)', 'list_accounts()'),
  resourceAccount: (d) => d.principals.auditor.account }, // no resource type: the call is the auditor's own account's
  row('AssumeRole(audit role, central account)', 'auditor', 'sts:AssumeRole', (d) => role(d, d.bucket.account, AUDIT_ROLE), () => ({}),
    'the auditor assumes the audit role in each account (in another account its trust policy must name the auditor too)', 'assume_role()',
    (d) => Boolean(d.bucket)),
  row('ListBucket(ACCOUNT/REGION/ prefix)', 'auditor', 's3:ListBucket', (d) => d.bucket.arn, (d) => ({ 's3:prefix': `${d.account}/${d.region}/` }),
    'the transcripts of one account and Region, listed once from the central account', 'list_keys()', (d) => Boolean(d.bucket)),
  row('DescribeSessions', 'audit-role', 'ssm:DescribeSessions', () => '*', () => ({}),
    'the sessions of the account and Region (State History, in the window)', 'describe_sessions()'),
  row('DescribeLogStreams(session log group)', 'audit-role', 'logs:DescribeLogStreams', (d) => `${d.logGroupArnBase}:log-stream:`, () => ({}),
    'cloudwatch on: the session log streams, newest first', 'log_streams_since()', (d) => d.prefs.cloudWatchLogGroupName !== ''),
  deny('AssumeRole(another role)', 'auditor', 'sts:AssumeRole', (d) => role(d, d.account, 'OrganizationAccountAccessRole'), () => ({}),
    'the auditor assumes only the audit role'),
  deny('ListBucket(from a member account)', 'audit-role', 's3:ListBucket', (d) => d.bucket.arn, (d) => ({ 's3:prefix': `${d.other}/${d.region}/` }),
    'a member account\'s audit role lists the central bucket: the bucket policy admits no listing', (d) => Boolean(d.bucket)),
  ...['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObject'].map((action) =>
    deny(`${action.slice(3)}(transcript)`, 'auditor', action, transcript, () => ({}),
      'the audit needs the names of transcripts, never their content, and changes none', (d) => Boolean(d.bucket))),
  deny('GetObject(transcript, audit role)', 'audit-role', 's3:GetObject', transcript, () => ({}),
    'the audit role reads no transcript either', (d) => Boolean(d.bucket)),
  ...['ssm:TerminateSession', 'ssm:ResumeSession'].map((action) =>
    deny(`${action.slice(4)}(a session)`, 'audit-role', action, session, () => ({}), 'auditing a session does not end or join it')),
  deny('UpdateDocument(preferences)', 'audit-role', 'ssm:UpdateDocument', (d) => d.documentArn, () => ({}), 'the auditor changes no preferences'),
  deny('DeleteLogStream(a session\'s)', 'audit-role', 'logs:DeleteLogStream', (d) => `${d.logGroupArnBase}:log-stream:${d.sessionId}`, () => ({}),
    'cloudwatch on: no log stream is deleted', (d) => d.prefs.cloudWatchLogGroupName !== ''),
  deny('GetLogEvents(a session\'s)', 'audit-role', 'logs:GetLogEvents', (d) => `${d.logGroupArnBase}:log-stream:${d.sessionId}`, () => ({}),
    'cloudwatch on: no transcript content is read', (d) => d.prefs.cloudWatchLogGroupName !== ''),
];
