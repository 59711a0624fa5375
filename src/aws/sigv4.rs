//! AWS Signature Version 4: the canonical request, the string to sign, the
//! signing key and the `Authorization` header, for requests signed in headers.
//! Checked against AWS's published SigV4 test suite (tests below).

use ring::{digest, hmac};

/// Characters SigV4 leaves unescaped (RFC 3986 unreserved): everything else
/// becomes `%XY` in upper-case hexadecimal.
fn unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// URI-encodes every byte SigV4 does not leave alone; `/` too unless `keep_slash`.
pub fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if unreserved(byte) || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lower-case hexadecimal SHA-256 of a payload.
pub fn sha256_hex(payload: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, payload).as_ref())
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data.as_bytes()).as_ref().to_vec()
}

/// What signs a request: the access key, its secret and, for temporary
/// credentials, the session token.
#[derive(Clone)]
pub struct Keys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// A request as SigV4 sees it. `path` is the URI path as sent (already
/// percent-encoded where needed); `query` holds raw, unencoded pairs.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// Headers to sign, `host` among them; names in any case.
    pub headers: &'a [(String, String)],
    /// SHA-256 of the body, lower-case hex.
    pub payload_hash: &'a str,
}

/// Where and when: the signing scope.
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

/// The headers a signed request carries in addition to its own: `x-amz-date`,
/// `x-amz-security-token` (with temporary credentials) and `authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub headers: Vec<(String, String)>,
    pub canonical_request: String,
    pub string_to_sign: String,
}

/// The canonical query string: each name and value URI-encoded, sorted by
/// name then value.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value as SigV4 compares it: trimmed, inner runs of spaces made one.
fn trimmed(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Signs `request` with `keys` in `scope`.
pub fn sign(request: &Request<'_>, keys: &Keys<'_>, scope: &Scope<'_>) -> Signed {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), trimmed(value)))
        .collect();
    let mut added = vec![("x-amz-date".to_owned(), scope.amz_date.to_owned())];
    if let Some(token) = keys.session_token {
        added.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    headers.extend(added.iter().cloned());
    headers.sort();
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let signed_headers = headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        request.path,
        canonical_query(request.query),
        request.payload_hash
    );
    let date = &scope.amz_date[..8];
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{credential_scope}\n{}",
        scope.amz_date,
        sha256_hex(canonical_request.as_bytes())
    );
    let mut key = hmac_sha256(format!("AWS4{}", keys.secret_access_key).as_bytes(), date);
    for part in [scope.region, scope.service, "aws4_request"] {
        key = hmac_sha256(&key, part);
    }
    let signature = hex(&hmac_sha256(&key, &string_to_sign));
    added.push((
        "authorization".to_owned(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
            keys.access_key_id
        ),
    ));
    Signed {
        headers: added,
        canonical_request,
        string_to_sign,
    }
}

#[cfg(test)]
mod tests {
    //! Vectors from AWS's SigV4 test suite, as published in
    //! awslabs/aws-c-auth `tests/aws-signing-test-suite/v4/<name>/`
    //! (`request.txt`, `header-canonical-request.txt`,
    //! `header-signed-request.txt`): credentials AKIDEXAMPLE, Region
    //! us-east-1, service `service`, 2015-08-30T12:36:00Z.
    use super::*;

    const KEYS: Keys<'static> = Keys {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: None,
    };
    const SCOPE: Scope<'static> = Scope {
        region: "us-east-1",
        service: "service",
        amz_date: "20150830T123600Z",
    };
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const PREFIX: &str =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn authorization(signed: &Signed) -> &str {
        &signed
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .unwrap()
            .1
    }

    fn host() -> Vec<(String, String)> {
        pairs(&[("Host", "example.amazonaws.com")])
    }

    #[test]
    fn get_vanilla() {
        let signed = get_with_keys(&KEYS);
        assert_eq!(
            signed.canonical_request,
            format!("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EMPTY}")
        );
        assert_eq!(
            authorization(&signed),
            format!("{PREFIX}SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        );
    }

    fn get_with_keys(keys: &Keys) -> Signed {
        sign(
            &Request {
                method: "GET",
                path: "/",
                query: &[],
                headers: &host(),
                payload_hash: EMPTY,
            },
            keys,
            &SCOPE,
        )
    }

    fn get_with_query(query: &[(&str, &str)]) -> Signed {
        sign(
            &Request {
                method: "GET",
                path: "/",
                query: &pairs(query),
                headers: &host(),
                payload_hash: EMPTY,
            },
            &KEYS,
            &SCOPE,
        )
    }

    #[test]
    fn get_vanilla_query_order_key_case() {
        let signed = get_with_query(&[("Param2", "value2"), ("Param1", "value1")]);
        assert!(signed
            .canonical_request
            .contains("\nParam1=value1&Param2=value2\n"));
        assert_eq!(
            authorization(&signed),
            format!("{PREFIX}SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        );
    }

    #[test]
    fn get_vanilla_utf8_query() {
        let signed = get_with_query(&[("\u{1234}", "bar")]);
        assert!(signed.canonical_request.contains("\n%E1%88%B4=bar\n"));
        assert_eq!(
            authorization(&signed),
            format!("{PREFIX}SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")
        );
    }

    #[test]
    fn get_vanilla_query_unreserved() {
        let all = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let signed = get_with_query(&[(all, all)]);
        assert_eq!(
            authorization(&signed),
            format!("{PREFIX}SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")
        );
    }

    #[test]
    fn get_vanilla_with_session_token() {
        let keys = Keys {
            session_token: Some("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"),
            ..KEYS
        };
        let signed = get_with_keys(&keys);
        assert_eq!(
            authorization(&signed),
            format!("{PREFIX}SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")
        );
        assert!(signed.headers.contains(&(
            "x-amz-security-token".to_owned(),
            "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267".to_owned()
        )));
    }

    #[test]
    fn post_x_www_form_urlencoded_with_a_signed_body() {
        let body = b"Param1=value1";
        let hash = sha256_hex(body);
        assert_eq!(
            hash,
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
        );
        let headers = pairs(&[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Host", "example.amazonaws.com"),
            ("Content-Length", "13"),
            ("x-amz-content-sha256", &hash),
        ]);
        let signed = sign(
            &Request {
                method: "POST",
                path: "/",
                query: &[],
                headers: &headers,
                payload_hash: &hash,
            },
            &KEYS,
            &SCOPE,
        );
        assert_eq!(
            authorization(&signed),
            format!("{PREFIX}SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b")
        );
    }

    #[test]
    fn a_changed_secret_changes_the_signature() {
        let keys = Keys {
            secret_access_key: "another",
            ..KEYS
        };
        let signed = get_with_keys(&keys);
        assert!(!authorization(&signed)
            .ends_with("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
    }

    #[test]
    fn uri_encoding_follows_sigv4() {
        assert_eq!(uri_encode("a b/c~", true), "a%20b/c~");
        assert_eq!(uri_encode("a b/c", false), "a%20b%2Fc");
        assert_eq!(uri_encode("=&+", false), "%3D%26%2B");
    }
}
