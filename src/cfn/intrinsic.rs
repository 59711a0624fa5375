//! CloudFormation intrinsic functions as a typed enum, written in long form (`Fn::Sub: …`).

use indexmap::IndexMap;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// An argument of an intrinsic function: a literal or another intrinsic.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    String(String),
    Bool(bool),
    Number(i64),
    List(Vec<Expr>),
    Fn(Box<Intrinsic>),
}

/// The pseudo parameters CloudFormation defines for every stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pseudo {
    AccountId,
    Region,
    Partition,
    StackName,
    StackId,
    UrlSuffix,
    /// Removes the property it stands in for (`Ref: AWS::NoValue`).
    NoValue,
}

impl Pseudo {
    pub fn logical_name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Region => "AWS::Region",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }
}

/// One intrinsic function call. Condition functions (`Equals`, `Not`, `And`,
/// `Or`, `Condition`) are intrinsics too, as in CloudFormation.
#[derive(Debug, Clone, PartialEq)]
pub enum Intrinsic {
    Ref(String),
    GetAtt {
        logical_name: String,
        attribute: String,
    },
    Sub(String),
    SubWith {
        template: String,
        variables: IndexMap<String, Expr>,
    },
    Join {
        delimiter: String,
        items: Vec<Expr>,
    },
    /// Joins a list-valued expression (`Fn::Join: [",", {Ref: List}]`).
    JoinList {
        delimiter: String,
        list: Expr,
    },
    If {
        condition: String,
        then: Expr,
        otherwise: Expr,
    },
    Equals(Expr, Expr),
    Not(Box<Intrinsic>),
    And(Vec<Intrinsic>),
    Or(Vec<Intrinsic>),
    Condition(String),
    /// A rule assertion: the list holds the value (`Fn::Contains`).
    Contains(Expr, Expr),
    /// A rule assertion: every member of the list equals the value.
    EachMemberEquals(Expr, Expr),
    Select {
        index: u32,
        list: Expr,
    },
    Split {
        delimiter: String,
        source: Expr,
    },
    ImportValue(Expr),
}

impl Intrinsic {
    pub fn reference(logical_name: impl Into<String>) -> Self {
        Intrinsic::Ref(logical_name.into())
    }

    pub fn pseudo(pseudo: Pseudo) -> Self {
        Intrinsic::Ref(pseudo.logical_name().to_owned())
    }

    pub fn get_att(logical_name: impl Into<String>, attribute: impl Into<String>) -> Self {
        Intrinsic::GetAtt {
            logical_name: logical_name.into(),
            attribute: attribute.into(),
        }
    }

    pub fn sub(template: impl Into<String>) -> Self {
        Intrinsic::Sub(template.into())
    }

    pub fn if_(
        condition: impl Into<String>,
        then: impl Into<Expr>,
        otherwise: impl Into<Expr>,
    ) -> Self {
        Intrinsic::If {
            condition: condition.into(),
            then: then.into(),
            otherwise: otherwise.into(),
        }
    }

    pub fn equals(left: impl Into<Expr>, right: impl Into<Expr>) -> Self {
        Intrinsic::Equals(left.into(), right.into())
    }

    pub fn negate(condition: Intrinsic) -> Self {
        Intrinsic::Not(Box::new(condition))
    }

    /// A condition: the CommaDelimitedList parameter holds at least one item.
    pub fn list_not_empty(parameter: &str) -> Self {
        Intrinsic::negate(Intrinsic::equals(
            Intrinsic::JoinList {
                delimiter: String::new(),
                list: Intrinsic::reference(parameter).into(),
            },
            "",
        ))
    }

    fn name(&self) -> &'static str {
        match self {
            Intrinsic::Ref(_) => "Ref",
            Intrinsic::GetAtt { .. } => "Fn::GetAtt",
            Intrinsic::Sub(_) | Intrinsic::SubWith { .. } => "Fn::Sub",
            Intrinsic::Join { .. } | Intrinsic::JoinList { .. } => "Fn::Join",
            Intrinsic::If { .. } => "Fn::If",
            Intrinsic::Equals(..) => "Fn::Equals",
            Intrinsic::Not(_) => "Fn::Not",
            Intrinsic::And(_) => "Fn::And",
            Intrinsic::Or(_) => "Fn::Or",
            Intrinsic::Condition(_) => "Condition",
            Intrinsic::Contains(..) => "Fn::Contains",
            Intrinsic::EachMemberEquals(..) => "Fn::EachMemberEquals",
            Intrinsic::Select { .. } => "Fn::Select",
            Intrinsic::Split { .. } => "Fn::Split",
            Intrinsic::ImportValue(_) => "Fn::ImportValue",
        }
    }
}

impl Serialize for Intrinsic {
    // Mixed argument lists are written as tuples, which serde emits as sequences.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        let key = self.name();
        match self {
            Intrinsic::Ref(name) | Intrinsic::Sub(name) | Intrinsic::Condition(name) => {
                map.serialize_entry(key, name)?
            }
            Intrinsic::GetAtt {
                logical_name,
                attribute,
            } => map.serialize_entry(key, &[logical_name, attribute])?,
            Intrinsic::SubWith {
                template,
                variables,
            } => map.serialize_entry(key, &(template, variables))?,
            Intrinsic::Join { delimiter, items } => {
                map.serialize_entry(key, &(delimiter, items))?
            }
            Intrinsic::JoinList { delimiter, list } => {
                map.serialize_entry(key, &(delimiter, list))?
            }
            Intrinsic::If {
                condition,
                then,
                otherwise,
            } => map.serialize_entry(key, &(condition, then, otherwise))?,
            Intrinsic::Equals(left, right)
            | Intrinsic::Contains(left, right)
            | Intrinsic::EachMemberEquals(left, right) => {
                map.serialize_entry(key, &(left, right))?
            }
            Intrinsic::Not(condition) => map.serialize_entry(key, &[condition])?,
            Intrinsic::And(conditions) | Intrinsic::Or(conditions) => {
                map.serialize_entry(key, conditions)?
            }
            Intrinsic::Select { index, list } => {
                map.serialize_entry(key, &(index.to_string(), list))?
            }
            Intrinsic::Split { delimiter, source } => {
                map.serialize_entry(key, &(delimiter, source))?
            }
            Intrinsic::ImportValue(name) => map.serialize_entry(key, name)?,
        }
        map.end()
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::String(s) => serializer.serialize_str(s),
            Expr::Bool(b) => serializer.serialize_bool(*b),
            Expr::Number(n) => serializer.serialize_i64(*n),
            Expr::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Expr::Fn(intrinsic) => intrinsic.serialize(serializer),
        }
    }
}

impl From<Intrinsic> for Expr {
    fn from(intrinsic: Intrinsic) -> Self {
        Expr::Fn(Box::new(intrinsic))
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::String(s.to_owned())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::String(s)
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::Bool(b)
    }
}

impl<T: Into<Expr>> From<Vec<T>> for Expr {
    fn from(items: Vec<T>) -> Self {
        Expr::List(items.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json(intrinsic: Intrinsic) -> serde_json::Value {
        serde_json::to_value(intrinsic).unwrap()
    }

    #[test]
    fn every_intrinsic_is_written_in_long_form() {
        let r = || Intrinsic::reference("Param");
        let cases = [
            (r(), json!({"Ref": "Param"})),
            (
                Intrinsic::pseudo(Pseudo::AccountId),
                json!({"Ref": "AWS::AccountId"}),
            ),
            (
                Intrinsic::pseudo(Pseudo::NoValue),
                json!({"Ref": "AWS::NoValue"}),
            ),
            (
                Intrinsic::get_att("Key", "Arn"),
                json!({"Fn::GetAtt": ["Key", "Arn"]}),
            ),
            (
                Intrinsic::sub("${AWS::Region}"),
                json!({"Fn::Sub": "${AWS::Region}"}),
            ),
            (
                Intrinsic::SubWith {
                    template: "${A}-${B}".to_owned(),
                    variables: [
                        ("A".to_owned(), Expr::from("x")),
                        ("B".to_owned(), r().into()),
                    ]
                    .into_iter()
                    .collect(),
                },
                json!({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "Param"}}]}),
            ),
            (
                Intrinsic::Join {
                    delimiter: ",".to_owned(),
                    items: vec!["a".into(), r().into()],
                },
                json!({"Fn::Join": [",", ["a", {"Ref": "Param"}]]}),
            ),
            (
                Intrinsic::JoinList {
                    delimiter: "".to_owned(),
                    list: r().into(),
                },
                json!({"Fn::Join": ["", {"Ref": "Param"}]}),
            ),
            (
                Intrinsic::if_("Cond", "yes-value", Intrinsic::pseudo(Pseudo::NoValue)),
                json!({"Fn::If": ["Cond", "yes-value", {"Ref": "AWS::NoValue"}]}),
            ),
            (
                Intrinsic::equals(r(), ""),
                json!({"Fn::Equals": [{"Ref": "Param"}, ""]}),
            ),
            (
                Intrinsic::negate(Intrinsic::equals(r(), "x")),
                json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "Param"}, "x"]}]}),
            ),
            (
                Intrinsic::And(vec![
                    Intrinsic::Condition("A".to_owned()),
                    Intrinsic::Condition("B".to_owned()),
                ]),
                json!({"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
            ),
            (
                Intrinsic::Or(vec![
                    Intrinsic::Condition("A".to_owned()),
                    Intrinsic::equals(true, false),
                ]),
                json!({"Fn::Or": [{"Condition": "A"}, {"Fn::Equals": [true, false]}]}),
            ),
            (
                Intrinsic::Select {
                    index: 1,
                    list: r().into(),
                },
                json!({"Fn::Select": ["1", {"Ref": "Param"}]}),
            ),
            (
                Intrinsic::Split {
                    delimiter: ":".to_owned(),
                    source: r().into(),
                },
                json!({"Fn::Split": [":", {"Ref": "Param"}]}),
            ),
            (
                Intrinsic::ImportValue(Intrinsic::sub("${Stack}-X").into()),
                json!({"Fn::ImportValue": {"Fn::Sub": "${Stack}-X"}}),
            ),
        ];
        for (intrinsic, expected) in cases {
            assert_eq!(json(intrinsic.clone()), expected, "{intrinsic:?}");
        }
    }

    #[test]
    fn expressions_keep_their_types() {
        let value = serde_json::to_value(Expr::from(vec![
            Expr::Bool(false),
            Expr::Number(7),
            "s".into(),
        ]))
        .unwrap();
        assert_eq!(value, json!([false, 7, "s"]));
    }

    #[test]
    fn intrinsics_become_one_entry_maps_in_yaml_too() {
        let text = serde_yaml_ng::to_string(&Intrinsic::get_att("Key", "Arn")).unwrap();
        assert_eq!(text, "Fn::GetAtt:\n- Key\n- Arn\n", "no YAML tags");
    }
}
