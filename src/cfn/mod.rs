//! A generic, typed CloudFormation model. It knows CloudFormation, IAM and
//! the resource types smlog uses, and nothing about Session Manager.

pub mod custom;
pub mod ec2;
pub mod events;
pub mod iam;
pub mod intrinsic;
pub mod kms;
pub mod lambda;
pub mod organizations;
pub mod policy;
pub mod references;
pub mod resources;
pub mod s3;
pub mod ssm;
pub mod sso;
pub mod stackset;
pub mod sub;
pub mod template;
pub mod value;

pub use intrinsic::{Expr, Intrinsic, Pseudo};
pub use policy::{Effect, PolicyDocument, Principal, Statement};
pub use references::DanglingReference;
pub use resources::Properties;
pub use template::{Assertion, Output, Parameter, Resource, Rule, Template};
pub use value::Value;
