//! The one reader of `Fn::Sub` text: literal runs, `${Name}` / `${Name.Attribute}`
//! variables and `${!Literal}` escapes, for everything that needs to look inside.

/// One piece of `Fn::Sub` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text copied as it is.
    Text(&'a str),
    /// `${Name}` or `${Name.Attribute}`: a parameter, pseudo parameter,
    /// resource or attribute, or a variable of `Fn::Sub`'s second argument.
    Variable(&'a str),
    /// `${!Literal}`: written as `${Literal}` (an IAM policy variable, usually).
    Escaped(&'a str),
}

/// Splits `Fn::Sub` text into its parts, in order. An unterminated `${` is text.
pub fn parts(template: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let name = &after[..end];
        parts.push(match name.strip_prefix('!') {
            Some(literal) => Part::Escaped(literal),
            None => Part::Variable(name),
        });
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    parts
}

/// The logical name a variable refers to: `Bucket` for `${Bucket.Arn}`.
pub fn target(variable: &str) -> &str {
    variable.split('.').next().unwrap_or(variable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_variables_attributes_and_escapes() {
        assert_eq!(
            parts("arn:${AWS::Partition}:s3:::${LogBucket.Arn}/${!aws:PrincipalAccount}/*"),
            [
                Part::Text("arn:"),
                Part::Variable("AWS::Partition"),
                Part::Text(":s3:::"),
                Part::Variable("LogBucket.Arn"),
                Part::Text("/"),
                Part::Escaped("aws:PrincipalAccount"),
                Part::Text("/*"),
            ]
        );
        assert_eq!(parts("plain"), [Part::Text("plain")]);
        assert_eq!(
            parts("${A}${B}"),
            [Part::Variable("A"), Part::Variable("B")]
        );
        assert_eq!(parts("open ${A"), [Part::Text("open ${A")]);
        assert_eq!(target("LogBucket.Arn"), "LogBucket");
        assert_eq!(target("AWS::Region"), "AWS::Region");
    }
}
