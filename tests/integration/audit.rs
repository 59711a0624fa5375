//! `smlog audit` as a user runs it: bad flags with their exit codes and
//! messages, and the table, JSON and CSV against a stub of AWS on 127.0.0.1
//! that answers STS, SSM and S3 as AWS does and records what it was sent
//! (each call signed for its service and Region).

use super::support::{empty_dir, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const ACCOUNT: &str = "111111111111";
const BUCKET: &str = "central-session-logs";

/// One request as the stub saw it: the request line and lower-cased headers.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn sessions_json(now: i64) -> String {
    let old = now - 3_600;
    serde_json::json!({"Sessions": [
        {"SessionId": "alice-0a", "Target": "i-0123456789abcdef0", "Status": "Terminated", "StartDate": old,
         "EndDate": old + 60, "DocumentName": "SSM-SessionManagerRunShell",
         "Owner": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice"), "AccessType": "Standard"},
        {"SessionId": "bob-0b", "Target": "i-0123456789abcdef0", "Status": "Terminated", "StartDate": old + 5,
         "EndDate": old + 65, "DocumentName": "SSM-SessionManagerRunShell",
         "Owner": format!("arn:aws:sts::{ACCOUNT}:assumed-role/SSM-JustInTimeAccessTokenRole/bob"),
         "AccessType": "JustInTime", "Reason": "INC-7, \"urgent\""},
        {"SessionId": "carol-0c", "Target": "i-0123456789abcdef0", "Status": "Terminated", "StartDate": old + 9,
         "EndDate": old + 70, "DocumentName": "AWS-StartSSHSession",
         "Owner": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/carol"), "AccessType": "Standard"},
    ]})
    .to_string()
}

fn answer(seen: &Seen, now: i64) -> (u16, String) {
    if seen.body.contains("Action=GetCallerIdentity") {
        return (200, format!("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/auditor</Arn><Account>{ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"));
    }
    if seen.header("x-amz-target") == "AmazonSSM.DescribeSessions" {
        return (200, sessions_json(now));
    }
    if seen.line.starts_with(&format!("GET /{BUCKET}/?")) {
        return (200, format!("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>{ACCOUNT}/us-east-1/alice-0a.log</Key></Contents></ListBucketResult>"));
    }
    (400, r#"{"__type":"UnknownOperationException"}"#.to_owned())
}

/// A stub AWS answering every connection with one answer, then closing it.
fn stub(now: i64) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                let (k, v) = header.split_once(':').unwrap();
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
            let length: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let request = Seen {
                line: line.trim_end().to_owned(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let (status, text) = answer(&request, now);
            record.lock().unwrap().push(request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (endpoint, seen)
}

fn audit(endpoint: &str, args: &[&str]) -> Output {
    let dir = empty_dir();
    Command::new(env!("CARGO_BIN_EXE_smlog"))
        .arg("audit")
        .args(["--bucket-name", BUCKET])
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_ENDPOINT_URL", endpoint)
        .output()
        .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn bad_flags_are_refused_before_aws_is_asked() {
    // No server: a flag error must come first.
    let cases: [(&[&str], i32, &str); 8] = [
        (
            &["--since", "yesterday"],
            2,
            "--since: \"yesterday\" is not an ISO-8601 time",
        ),
        (&["--since", "1h", "--until", "2h"], 2, "--since ("),
        (&["--until", "2026-02-30"], 2, "--until: \"2026-02-30\""),
        (
            &["--regions", "us-east-1,mars-north-1"],
            2,
            "--regions: \"mars-north-1\"",
        ),
        (&["--accounts", "all"], 2, "--accounts needs --assume-role"),
        (
            &["--accounts", "12,13", "--assume-role", "R"],
            2,
            "--accounts: \"12\" is not a valid account id",
        ),
        (
            &["--concurrency", "0"],
            2,
            "--concurrency: 0 is not between 1 and 256",
        ),
        (&["--format", "xml"], 2, "invalid value 'xml'"),
    ];
    for (args, code, fragment) in cases {
        let output = audit("http://127.0.0.1:9", args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(fragment),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }
    let dir = empty_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_smlog"))
        .args(["audit"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("set bucket_name in smlog.yaml or pass --bucket-name"));
}

#[test]
fn aws_out_of_reach_is_exit_6() {
    let output = audit("http://127.0.0.1:9", &[]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("while asking STS who the caller is"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_table_the_json_and_the_csv_agree() {
    let (endpoint, seen) = stub(now());
    let table = audit(&endpoint, &["--since", "2h"]);
    assert_eq!(table.status.code(), Some(1), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(
        text.contains(&format!("✘ {ACCOUNT} us-east-1 bob-0b: no transcript")),
        "{text}"
    );
    assert!(
        text.ends_with("3 sessions: 1 found, 1 missing, 0 pending, 1 not loggable\n"),
        "{text}"
    );
    assert!(text.contains("SSM-JustInTimeAccessTokenRole/bob") && text.contains("JustInTime"));

    let json: serde_json::Value = serde_json::from_str(&stdout(&audit(
        &endpoint,
        &["--since", "2h", "--format", "json"],
    )))
    .unwrap();
    let verdicts: Vec<(&str, &str)> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["session_id"].as_str().unwrap(),
                s["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("alice-0a", "found"),
            ("bob-0b", "missing"),
            ("carol-0c", "not-loggable")
        ]
    );
    assert_eq!(
        json["sessions"][0]["transcript"],
        format!("{ACCOUNT}/us-east-1/alice-0a.log")
    );
    assert_eq!(json["sessions"][1]["access_type"], "JustInTime");
    assert_eq!(json["total"]["missing"], 1);
    assert_eq!(json["errors"], serde_json::json!([]));

    let csv = audit(&endpoint, &["--since", "2h", "--format", "csv"]);
    let lines: Vec<String> = stdout(&csv).split("\r\n").map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines[0].starts_with("account,region,session_id,owner,"));
    assert!(
        lines[2].contains(",\"INC-7, \"\"urgent\"\"\",missing,"),
        "{}",
        lines[2]
    );
    assert!(stderr(&csv).contains("1 missing"));

    signed_for_their_services(&seen.lock().unwrap());
}

/// Every call was signed for its service, in the Region asked.
fn signed_for_their_services(seen: &[Seen]) {
    assert!(seen.iter().all(|s| s
        .header("authorization")
        .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")));
    let ssm = seen
        .iter()
        .find(|s| s.header("x-amz-target") == "AmazonSSM.DescribeSessions")
        .unwrap();
    assert!(
        ssm.header("authorization")
            .contains("/us-east-1/ssm/aws4_request, SignedHeaders="),
        "{}",
        ssm.header("authorization")
    );
    assert!(ssm.body.contains("\"State\":\"History\""));
    let s3 = seen.iter().find(|s| s.line.starts_with("GET ")).unwrap();
    assert!(
        s3.line
            .contains(&format!("prefix={ACCOUNT}%2Fus-east-1%2F")),
        "{}",
        s3.line
    );
    assert!(
        s3.header("authorization").contains("/s3/aws4_request")
            && !s3.header("x-amz-content-sha256").is_empty()
    );
}

#[test]
fn a_window_without_sessions_passes_and_lists_no_bucket() {
    let (endpoint, seen) = stub(now() - 30 * 86_400);
    let output = audit(&endpoint, &["--since", "1d"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("no sessions in the window"));
    assert!(!seen
        .lock()
        .unwrap()
        .iter()
        .any(|s| s.line.starts_with("GET ")));
}
