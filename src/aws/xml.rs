//! The little XML smlog reads (S3 listings, STS answers, their errors): the
//! text of every element of a name, entities resolved.

use quick_xml::events::Event;
use quick_xml::Reader;

/// The text of every element called `name`, in document order.
pub fn all(xml: &str, name: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    let mut depth_in: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) if start.local_name().as_ref() == name.as_bytes() => {
                depth_in = Some(String::new());
            }
            Ok(Event::Text(text)) => {
                if let Some(current) = depth_in.as_mut() {
                    match text.unescape() {
                        Ok(value) => current.push_str(&value),
                        Err(_) => current.push_str(&String::from_utf8_lossy(&text)),
                    }
                }
            }
            Ok(Event::CData(data)) => {
                if let Some(current) = depth_in.as_mut() {
                    current.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Ok(Event::Empty(empty)) if empty.local_name().as_ref() == name.as_bytes() => {
                found.push(String::new());
            }
            Ok(Event::End(end)) if end.local_name().as_ref() == name.as_bytes() => {
                if let Some(text) = depth_in.take() {
                    found.push(text);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    found
}

/// The text of the first element called `name`.
pub fn first(xml: &str, name: &str) -> Option<String> {
    all(xml, name).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_with_entities_and_namespaces() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <IsTruncated>true</IsTruncated>
  <Contents><Key>111111111111/us-east-1/a&amp;b-1.log</Key></Contents>
  <Contents><Key>111111111111/us-east-1/c.log</Key></Contents>
  <NextContinuationToken>tok/en=</NextContinuationToken>
</ListBucketResult>"#;
        assert_eq!(
            all(xml, "Key"),
            [
                "111111111111/us-east-1/a&b-1.log",
                "111111111111/us-east-1/c.log"
            ]
        );
        assert_eq!(first(xml, "IsTruncated").as_deref(), Some("true"));
        assert_eq!(
            first(xml, "NextContinuationToken").as_deref(),
            Some("tok/en=")
        );
        assert_eq!(first(xml, "Missing"), None);
        assert_eq!(first("not xml at all", "Key"), None);
    }
}
