//! AWS reached in-process, for commands that make thousands of calls
//! (`smlog audit`): a SigV4 signer of smlog's own, a blocking HTTP client
//! (ureq, rustls) with one connection pool, the endpoints as the SDKs resolve
//! them (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`), retries with
//! back-off, and a count of the calls made. The operations themselves are in
//! `ops`; `verify` still drives the `aws` CLI.

pub mod credentials;
pub mod ops;
pub mod retry;
pub mod sigv4;
mod xml;

pub use crate::error::AwsError;
pub use credentials::Credentials;

use crate::ids::Partition;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The services smlog calls in-process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    Organizations,
    Ssm,
    Logs,
    S3,
}

impl Service {
    /// The name SigV4 signs with and endpoints begin with.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::Organizations => "organizations",
            Service::Ssm => "ssm",
            Service::Logs => "logs",
            Service::S3 => "s3",
        }
    }

    /// The suffix of its service-specific endpoint variable, `AWS_ENDPOINT_URL_<…>`.
    fn endpoint_variable(self) -> &'static str {
        match self {
            Service::Sts => "AWS_ENDPOINT_URL_STS",
            Service::Organizations => "AWS_ENDPOINT_URL_ORGANIZATIONS",
            Service::Ssm => "AWS_ENDPOINT_URL_SSM",
            Service::Logs => "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
            Service::S3 => "AWS_ENDPOINT_URL_S3",
        }
    }
}

/// Endpoints given in the environment, as the AWS SDKs and CLI read them.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// `AWS_ENDPOINT_URL`: every service.
    pub global: Option<String>,
    /// `AWS_ENDPOINT_URL_<SERVICE>`, which win over the global one.
    pub services: Vec<(&'static str, String)>,
}

impl Endpoints {
    pub fn from_env() -> Endpoints {
        if std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_ok_and(|v| v == "true") {
            return Endpoints::default();
        }
        let given = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let services = [
            Service::Sts,
            Service::Organizations,
            Service::Ssm,
            Service::Logs,
            Service::S3,
        ]
        .into_iter()
        .filter_map(|s| Some((s.endpoint_variable(), given(s.endpoint_variable())?)))
        .collect();
        Endpoints {
            global: given("AWS_ENDPOINT_URL"),
            services,
        }
    }

    fn configured(&self, service: Service) -> Option<&str> {
        self.services
            .iter()
            .find(|(name, _)| *name == service.endpoint_variable())
            .map(|(_, url)| url.as_str())
            .or(self.global.as_deref())
    }
}

/// Where one request goes: its base URL, the Region it is signed for, and
/// whether a bucket goes in the path (a configured endpoint) or the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub signing_region: String,
    pub path_style: bool,
}

/// The endpoint of `service` in `region` of `partition`.
pub fn endpoint(
    endpoints: &Endpoints,
    service: Service,
    region: &str,
    partition: Partition,
) -> Endpoint {
    // Organizations is global: one endpoint per partition, signed for its home Region.
    let region = match (service, partition) {
        (Service::Organizations, Partition::Aws) => "us-east-1",
        (Service::Organizations, Partition::China) => "cn-northwest-1",
        (Service::Organizations, Partition::GovCloud) => "us-gov-west-1",
        _ => region,
    };
    match endpoints.configured(service) {
        Some(url) => Endpoint {
            url: url.trim_end_matches('/').to_owned(),
            signing_region: region.to_owned(),
            path_style: true,
        },
        None => Endpoint {
            url: format!(
                "https://{}.{region}.{}",
                service.signing_name(),
                partition.url_suffix()
            ),
            signing_region: region.to_owned(),
            path_style: false,
        },
    }
}

/// One request before it is signed.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: Service,
    pub region: String,
    pub method: &'static str,
    /// Below the endpoint (and the bucket); starts with `/`, percent-encoded as sent.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// An S3 bucket: in the host name, or first in the path for configured
    /// endpoints and names with dots (TLS wildcard certificates).
    pub bucket: Option<String>,
}

/// An answer from AWS, whatever its status.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// How many calls went out (each retry counted) and how many were retries.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

/// One HTTP client for a whole run: a connection pool shared by every thread.
pub struct Client {
    agent: ureq::Agent,
    pub endpoints: Endpoints,
    pub partition: Partition,
    pub counters: Counters,
}

/// The largest answer read (a page of S3 keys is well below it).
const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// Where a call goes: `scheme://host` and the path, the host alone (signed),
/// and the Region it is signed for.
struct Target {
    origin: String,
    host: String,
    path: String,
    signing_region: String,
}

impl Client {
    pub fn new(partition: Partition, endpoints: Endpoints, connections: usize) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .max_idle_connections(connections.max(1) * 2)
            .max_idle_connections_per_host(connections.max(1))
            .user_agent(concat!("smlog/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            endpoints,
            partition,
            counters: Counters::default(),
        }
    }

    pub fn endpoint(&self, service: Service, region: &str) -> Endpoint {
        endpoint(&self.endpoints, service, region, self.partition)
    }

    /// Sends `call` signed with `credentials`; an answer outside 2xx
    /// becomes an `AwsError` with AWS's code.
    pub fn send(&self, credentials: &Credentials, call: &Call) -> Result<Answer, AwsError> {
        let answer = self.attempts(credentials, call)?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(error_of(call.service, &answer))
        }
    }

    /// Sends `call`, again after a pause while the answer is worth retrying
    /// (throttling, 5xx, a dropped connection); returns the last answer.
    pub fn attempts(&self, credentials: &Credentials, call: &Call) -> Result<Answer, AwsError> {
        let mut attempt = 1;
        loop {
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let last = attempt >= retry::MAX_ATTEMPTS;
            match self.once(credentials, call) {
                Ok(answer) if (200..300).contains(&answer.status) || last => return Ok(answer),
                Ok(answer) => {
                    let code = error_of(call.service, &answer).code;
                    if !retry::retryable(answer.status, code.as_deref()) {
                        return Ok(answer);
                    }
                }
                Err(transport) if last => return Err(transport),
                Err(_) => {}
            }
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(retry::delay(attempt, retry::random()));
            attempt += 1;
        }
    }

    fn target(&self, call: &Call) -> Target {
        let endpoint = self.endpoint(call.service, &call.region);
        let (scheme, rest) = endpoint
            .url
            .split_once("://")
            .unwrap_or(("https", &endpoint.url));
        let (mut host, base_path) = match rest.find('/') {
            Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
            None => (rest.to_owned(), String::new()),
        };
        let mut path = format!("{base_path}{}", call.path);
        if let Some(bucket) = &call.bucket {
            if endpoint.path_style || bucket.contains('.') {
                path = format!(
                    "{base_path}/{}{}",
                    sigv4::uri_encode(bucket, false),
                    call.path
                );
            } else {
                host = format!("{bucket}.{host}");
            }
        }
        Target {
            origin: format!("{scheme}://{host}"),
            host,
            path,
            signing_region: endpoint.signing_region,
        }
    }

    /// One attempt: sign, send, read the whole answer.
    fn once(&self, credentials: &Credentials, call: &Call) -> Result<Answer, AwsError> {
        let target = self.target(call);
        let payload_hash = sigv4::sha256_hex(&call.body);
        let mut headers = call.headers.clone();
        if call.service == Service::S3 {
            headers.push(("x-amz-content-sha256".to_owned(), payload_hash.clone()));
        }
        let mut signed_headers = headers.clone();
        signed_headers.push(("host".to_owned(), target.host.clone()));
        let amz_date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let signed = sigv4::sign(
            &sigv4::Request {
                method: call.method,
                path: &target.path,
                query: &call.query,
                headers: &signed_headers,
                payload_hash: &payload_hash,
            },
            &credentials.keys(),
            &sigv4::Scope {
                region: &target.signing_region,
                service: call.service.signing_name(),
                amz_date: &amz_date,
            },
        );
        let query = sigv4::canonical_query(&call.query);
        let url = match query.is_empty() {
            true => format!("{}{}", target.origin, target.path),
            false => format!("{}{}?{query}", target.origin, target.path),
        };
        let all_headers = headers.iter().chain(signed.headers.iter());
        let sent = if call.method == "GET" {
            let mut request = self.agent.get(&url);
            for (name, value) in all_headers {
                request = request.header(name, value);
            }
            request.call()
        } else {
            let mut request = self.agent.post(&url);
            for (name, value) in all_headers {
                request = request.header(name, value);
            }
            request.send(&call.body[..])
        };
        let response =
            sent.map_err(|e| AwsError::local(format!("could not reach {}: {e}", target.origin)))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = response
            .into_body()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|e| {
                AwsError::local(format!("unreadable answer from {}: {e}", target.origin))
            })?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// AWS's error code and message from an answer outside 2xx: JSON for the
/// JSON protocols, XML for S3 and STS.
pub fn error_of(service: Service, answer: &Answer) -> AwsError {
    let (code, message) = match service {
        Service::S3 | Service::Sts => (
            xml::first(&answer.body, "Code"),
            xml::first(&answer.body, "Message"),
        ),
        _ => {
            let json: serde_json::Value =
                serde_json::from_str(&answer.body).unwrap_or(serde_json::Value::Null);
            let code = json["__type"]
                .as_str()
                .or(answer.header("x-amzn-errortype"))
                .map(|t| {
                    let t = t.rsplit('#').next().unwrap_or(t);
                    t.split(':').next().unwrap_or(t).to_owned()
                });
            let message = json["message"]
                .as_str()
                .or(json["Message"].as_str())
                .map(str::to_owned);
            (code, message)
        }
    };
    let code = code.or_else(|| match answer.status {
        301 => Some("PermanentRedirect".to_owned()),
        403 => Some("AccessDenied".to_owned()),
        404 => Some("NotFound".to_owned()),
        503 => Some("ServiceUnavailable".to_owned()),
        _ => None,
    });
    let message = format!(
        "{} (HTTP {}){}",
        code.as_deref().unwrap_or("error"),
        answer.status,
        message.map(|m| format!(": {m}")).unwrap_or_default()
    );
    AwsError { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn endpoints_follow_the_environment_then_the_partition() {
        let none = Endpoints::default();
        let ssm = endpoint(&none, Service::Ssm, "eu-west-1", Partition::Aws);
        assert_eq!(ssm.url, "https://ssm.eu-west-1.amazonaws.com");
        assert!(!ssm.path_style);
        let china = endpoint(
            &none,
            Service::Organizations,
            "cn-north-1",
            Partition::China,
        );
        assert_eq!(
            china.url,
            "https://organizations.cn-northwest-1.amazonaws.com.cn"
        );
        assert_eq!(china.signing_region, "cn-northwest-1");
        let local = Endpoints {
            global: Some("http://127.0.0.1:5000/".to_owned()),
            services: vec![("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:6000".to_owned())],
        };
        let s3 = endpoint(&local, Service::S3, "us-east-1", Partition::Aws);
        assert_eq!(
            (s3.url.as_str(), s3.path_style),
            ("http://127.0.0.1:6000", true)
        );
        let logs = endpoint(&local, Service::Logs, "eu-west-1", Partition::Aws);
        assert_eq!(logs.url, "http://127.0.0.1:5000");
        assert_eq!(logs.signing_region, "eu-west-1");
    }

    #[test]
    fn error_codes_are_read_from_json_and_xml() {
        let json = error_of(
            Service::Ssm,
            &answer(
                400,
                r#"{"__type":"com.amazonaws.ssm#ThrottlingException","message":"Rate exceeded"}"#,
            ),
        );
        assert!(json.is("ThrottlingException"));
        assert_eq!(
            json.message,
            "ThrottlingException (HTTP 400): Rate exceeded"
        );
        let xml = error_of(
            Service::S3,
            &answer(503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
        );
        assert!(xml.is("SlowDown"));
        let sts = error_of(
            Service::Sts,
            &answer(403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error></ErrorResponse>"),
        );
        assert!(sts.is("AccessDenied"));
        assert!(error_of(Service::S3, &answer(404, "")).is("NotFound"));
    }
}
