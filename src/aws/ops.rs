//! The AWS operations smlog makes in-process, each paginated to the end:
//! STS GetCallerIdentity and AssumeRole, Organizations ListAccounts, SSM
//! DescribeSessions, S3 ListObjectsV2 and CloudWatch Logs DescribeLogStreams.

use super::{xml, AwsError, Call, Client, Credentials, Service};
use serde_json::{json, Value};

/// Who a set of credentials is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                super::sigv4::uri_encode(k, false),
                super::sigv4::uri_encode(v, false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// An STS Query-protocol call; the answer's XML.
fn sts(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    params: &[(&str, &str)],
) -> Result<String, AwsError> {
    let call = Call {
        service: Service::Sts,
        region: region.to_owned(),
        method: "POST",
        path: "/".to_owned(),
        query: Vec::new(),
        headers: vec![(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        )],
        body: form(params),
        bucket: None,
    };
    client.send(credentials, &call).map(|answer| answer.body)
}

pub fn caller_identity(
    client: &Client,
    credentials: &Credentials,
    region: &str,
) -> Result<Identity, AwsError> {
    let xml = sts(
        client,
        credentials,
        region,
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    )?;
    match (xml::first(&xml, "Account"), xml::first(&xml, "Arn")) {
        (Some(account), Some(arn)) => Ok(Identity { account, arn }),
        _ => Err(AwsError::local(
            "GetCallerIdentity answered without Account and Arn",
        )),
    }
}

/// Temporary credentials of `role_arn`.
pub fn assume_role(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    role_arn: &str,
    session_name: &str,
) -> Result<Credentials, AwsError> {
    let xml = sts(
        client,
        credentials,
        region,
        &[
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", role_arn),
            ("RoleSessionName", session_name),
        ],
    )?;
    match (
        xml::first(&xml, "AccessKeyId"),
        xml::first(&xml, "SecretAccessKey"),
        xml::first(&xml, "SessionToken"),
    ) {
        (Some(access_key_id), Some(secret_access_key), session_token) => Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token,
        }),
        _ => Err(AwsError::local(format!(
            "AssumeRole of {role_arn} answered without credentials"
        ))),
    }
}

/// A JSON 1.1 call (SSM, CloudWatch Logs, Organizations).
fn json_call(
    client: &Client,
    credentials: &Credentials,
    service: Service,
    region: &str,
    target: &str,
    body: &Value,
) -> Result<Value, AwsError> {
    let call = Call {
        service,
        region: region.to_owned(),
        method: "POST",
        path: "/".to_owned(),
        query: Vec::new(),
        headers: vec![
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            ("x-amz-target".to_owned(), target.to_owned()),
        ],
        body: body.to_string().into_bytes(),
        bucket: None,
    };
    let answer = client.send(credentials, &call)?;
    serde_json::from_str(&answer.body)
        .map_err(|e| AwsError::local(format!("{target} answered with unreadable JSON: {e}")))
}

/// Calls a JSON operation page by page, collecting `list` from each answer.
fn paginate(
    mut page: impl FnMut(Option<&str>) -> Result<Value, AwsError>,
    list: &str,
    token: &str,
    mut keep_going: impl FnMut(&[Value]) -> bool,
) -> Result<Vec<Value>, AwsError> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let answer = page(next.as_deref())?;
        let found = answer[list].as_array().cloned().unwrap_or_default();
        let more = keep_going(&found);
        items.extend(found);
        next = answer[token]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if next.is_none() || !more {
            return Ok(items);
        }
    }
}

/// Every account of the organisation with its status: `(id, status)`.
pub fn list_accounts(
    client: &Client,
    credentials: &Credentials,
) -> Result<Vec<(String, String)>, AwsError> {
    let accounts = paginate(
        |token| {
            let mut body = json!({});
            if let Some(token) = token {
                body["NextToken"] = json!(token);
            }
            json_call(
                client,
                credentials,
                Service::Organizations,
                "",
                "AWSOrganizationsV20161128.ListAccounts",
                &body,
            )
        },
        "Accounts",
        "NextToken",
        |_| true,
    )?;
    Ok(accounts
        .iter()
        .filter_map(|a| {
            let status = a["State"]
                .as_str()
                .or(a["Status"].as_str())
                .unwrap_or("ACTIVE");
            Some((a["Id"].as_str()?.to_owned(), status.to_owned()))
        })
        .collect())
}

/// One session as `DescribeSessions` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Session {
    pub id: String,
    pub owner: String,
    pub target: String,
    pub document: String,
    /// Seconds since the Unix epoch.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub status: String,
    /// `Standard` or `JustInTime`.
    pub access_type: String,
    pub reason: String,
}

/// A JSON timestamp: epoch seconds (as AWS's JSON protocols send it) or ISO-8601.
fn seconds(value: &Value) -> Option<i64> {
    value.as_f64().map(|s| s.floor() as i64).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(value.as_str()?)
            .ok()
            .map(|t| t.timestamp())
    })
}

fn session(value: &Value) -> Session {
    let text = |name: &str| value[name].as_str().unwrap_or_default().to_owned();
    Session {
        id: text("SessionId"),
        owner: text("Owner"),
        target: text("Target"),
        document: text("DocumentName"),
        start: seconds(&value["StartDate"]),
        end: seconds(&value["EndDate"]),
        status: text("Status"),
        access_type: value["AccessType"]
            .as_str()
            .unwrap_or("Standard")
            .to_owned(),
        reason: text("Reason"),
    }
}

/// Sessions that ended (`State` History) and started between `after` and
/// `before` (ISO-8601 UTC, as the API's InvokedAfter/InvokedBefore filters take them).
pub fn describe_sessions(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    after: &str,
    before: &str,
) -> Result<Vec<Session>, AwsError> {
    let found = paginate(
        |token| {
            let mut body = json!({
                "State": "History",
                "MaxResults": 200,
                "Filters": [{"key": "InvokedAfter", "value": after}, {"key": "InvokedBefore", "value": before}],
            });
            if let Some(token) = token {
                body["NextToken"] = json!(token);
            }
            json_call(
                client,
                credentials,
                Service::Ssm,
                region,
                "AmazonSSM.DescribeSessions",
                &body,
            )
        },
        "Sessions",
        "NextToken",
        |_| true,
    )?;
    Ok(found.iter().map(session).collect())
}

/// The Region S3 names for a bucket when asked in the wrong one.
fn bucket_region(answer: &super::Answer) -> Option<String> {
    answer
        .header("x-amz-bucket-region")
        .map(str::to_owned)
        .or_else(|| xml::first(&answer.body, "Region"))
}

/// Every key below `prefix` in `bucket`. `region` is where the bucket is
/// expected; when S3 says it is elsewhere, the listing moves there and the
/// Region is updated for the next caller.
pub fn list_keys(
    client: &Client,
    credentials: &Credentials,
    region: &mut String,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<String>, AwsError> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    let mut moved = false;
    loop {
        let mut query = vec![
            ("list-type".to_owned(), "2".to_owned()),
            ("prefix".to_owned(), prefix.to_owned()),
        ];
        if let Some(token) = &token {
            query.push(("continuation-token".to_owned(), token.clone()));
        }
        let call = Call {
            service: Service::S3,
            region: region.clone(),
            method: "GET",
            path: "/".to_owned(),
            query,
            headers: Vec::new(),
            body: Vec::new(),
            bucket: Some(bucket.to_owned()),
        };
        let answer = client.attempts(credentials, &call)?;
        if !(200..300).contains(&answer.status) {
            match bucket_region(&answer) {
                Some(actual)
                    if !moved && actual != *region && matches!(answer.status, 301 | 400) =>
                {
                    *region = actual;
                    moved = true;
                    continue;
                }
                _ => return Err(super::error_of(Service::S3, &answer)),
            }
        }
        keys.extend(xml::all(&answer.body, "Key"));
        token = xml::first(&answer.body, "NextContinuationToken")
            .filter(|_| xml::first(&answer.body, "IsTruncated").as_deref() == Some("true"));
        if token.is_none() {
            return Ok(keys);
        }
    }
}

/// Names of the log streams in `group` with events since `since_millis`
/// (newest first, paging stops at the first older stream). A group that does
/// not exist has none.
pub fn log_streams_since(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    group: &str,
    since_millis: i64,
) -> Result<Vec<String>, AwsError> {
    let older = |stream: &Value| {
        stream["lastEventTimestamp"]
            .as_i64()
            .is_some_and(|t| t < since_millis)
    };
    let streams = paginate(
        |token| {
            let mut body =
                json!({"logGroupName": group, "orderBy": "LastEventTime", "descending": true});
            if let Some(token) = token {
                body["nextToken"] = json!(token);
            }
            json_call(
                client,
                credentials,
                Service::Logs,
                region,
                "Logs_20140328.DescribeLogStreams",
                &body,
            )
        },
        "logStreams",
        "nextToken",
        |page| !page.iter().any(older),
    );
    match streams {
        Ok(streams) => Ok(streams
            .iter()
            .filter(|s| !older(s))
            .filter_map(|s| s["logStreamName"].as_str().map(str::to_owned))
            .collect()),
        Err(error) if error.is("ResourceNotFoundException") => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_read_with_its_access_type_and_times() {
        let s = session(&json!({
            "SessionId": "alice-0123", "Owner": "arn:aws:sts::1:assumed-role/R/alice", "Target": "i-1",
            "DocumentName": "AWS-StartSSHSession", "StartDate": 1_795_867_200.5, "EndDate": "2026-11-28T12:10:00Z",
            "Status": "Terminated", "AccessType": "JustInTime", "Reason": "ticket 42"
        }));
        assert_eq!(s.start, Some(1_795_867_200));
        assert_eq!(s.end, Some(1_795_867_800));
        assert_eq!(
            (s.access_type.as_str(), s.reason.as_str()),
            ("JustInTime", "ticket 42")
        );
        assert_eq!(session(&json!({"SessionId": "x"})).access_type, "Standard");
    }

    #[test]
    fn pages_are_followed_until_no_token_or_told_to_stop() {
        let pages = [
            json!({"L": [1, 2], "T": "a"}),
            json!({"L": [3], "T": "b"}),
            json!({"L": [4]}),
        ];
        let mut n = 0;
        let all = paginate(
            |_| {
                n += 1;
                Ok(pages[n - 1].clone())
            },
            "L",
            "T",
            |_| true,
        )
        .unwrap();
        assert_eq!(all, [json!(1), json!(2), json!(3), json!(4)]);
        let mut m = 0;
        let first = paginate(
            |_| {
                m += 1;
                Ok(pages[m - 1].clone())
            },
            "L",
            "T",
            |page| page.len() > 1,
        )
        .unwrap();
        assert_eq!(first.len(), 3);
    }
}
