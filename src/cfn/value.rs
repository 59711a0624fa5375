//! `Value<T>`: a property value that is either a literal `T` or an intrinsic function.

use super::intrinsic::{Expr, Intrinsic, Pseudo};
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub enum Value<T> {
    Literal(T),
    Fn(Box<Intrinsic>),
}

impl<T> Value<T> {
    pub fn reference(logical_name: impl Into<String>) -> Self {
        Intrinsic::reference(logical_name).into()
    }

    pub fn pseudo(pseudo: Pseudo) -> Self {
        Intrinsic::pseudo(pseudo).into()
    }

    pub fn get_att(logical_name: impl Into<String>, attribute: impl Into<String>) -> Self {
        Intrinsic::get_att(logical_name, attribute).into()
    }

    pub fn sub(template: impl Into<String>) -> Self {
        Intrinsic::sub(template).into()
    }

    /// The literal, when this value is one.
    pub fn literal(&self) -> Option<&T> {
        match self {
            Value::Literal(value) => Some(value),
            Value::Fn(_) => None,
        }
    }
}

impl<T> From<Intrinsic> for Value<T> {
    fn from(intrinsic: Intrinsic) -> Self {
        Value::Fn(Box::new(intrinsic))
    }
}

impl From<&str> for Value<String> {
    fn from(s: &str) -> Self {
        Value::Literal(s.to_owned())
    }
}

impl From<String> for Value<String> {
    fn from(s: String) -> Self {
        Value::Literal(s)
    }
}

impl From<bool> for Value<bool> {
    fn from(b: bool) -> Self {
        Value::Literal(b)
    }
}

impl From<u32> for Value<u32> {
    fn from(n: u32) -> Self {
        Value::Literal(n)
    }
}

impl<T> From<Vec<T>> for Value<Vec<T>> {
    fn from(items: Vec<T>) -> Self {
        Value::Literal(items)
    }
}

impl From<Value<String>> for Expr {
    fn from(value: Value<String>) -> Self {
        match value {
            Value::Literal(s) => Expr::String(s),
            Value::Fn(intrinsic) => Expr::Fn(intrinsic),
        }
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Literal(value) => value.serialize(serializer),
            Value::Fn(intrinsic) => intrinsic.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_and_intrinsics_serialise_as_themselves() {
        assert_eq!(serde_json::to_value(Value::from("x")).unwrap(), json!("x"));
        assert_eq!(
            serde_json::to_value(Value::from(true)).unwrap(),
            json!(true)
        );
        assert_eq!(serde_json::to_value(Value::from(30u32)).unwrap(), json!(30));
        assert_eq!(
            serde_json::to_value(Value::from(vec!["a".to_owned()])).unwrap(),
            json!(["a"])
        );
        assert_eq!(
            serde_json::to_value(Value::<String>::reference("P")).unwrap(),
            json!({"Ref": "P"})
        );
        assert_eq!(
            serde_json::to_value(Value::<String>::pseudo(Pseudo::Partition)).unwrap(),
            json!({"Ref": "AWS::Partition"})
        );
        assert_eq!(Value::from("x").literal(), Some(&"x".to_owned()));
        assert_eq!(Value::<String>::sub("y").literal(), None);
    }
}
