//! The closed set of resource types smlog emits, as one enum of typed properties.

use super::{custom, iam, kms, lambda, s3, ssm, stackset};
use serde::{Serialize, Serializer};

macro_rules! resource_types {
    ($($variant:ident($ty:ty) = $name:literal,)*) => {
        /// Typed properties of one resource; the variant fixes its `Type`.
        #[derive(Debug, Clone)]
        pub enum Properties {
            $($variant($ty),)*
            Custom(custom::CustomResource),
        }

        impl Properties {
            pub fn type_name(&self) -> &str {
                match self {
                    $(Properties::$variant(_) => $name,)*
                    Properties::Custom(custom) => &custom.resource_type,
                }
            }
        }

        impl Serialize for Properties {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Properties::$variant(properties) => properties.serialize(serializer),)*
                    Properties::Custom(properties) => properties.serialize(serializer),
                }
            }
        }

        $(impl From<$ty> for Properties {
            fn from(properties: $ty) -> Self {
                Properties::$variant(properties)
            }
        })*
    };
}

resource_types! {
    KmsKey(kms::Key) = "AWS::KMS::Key",
    KmsAlias(kms::Alias) = "AWS::KMS::Alias",
    S3Bucket(s3::Bucket) = "AWS::S3::Bucket",
    S3BucketPolicy(s3::BucketPolicy) = "AWS::S3::BucketPolicy",
    IamManagedPolicy(iam::ManagedPolicy) = "AWS::IAM::ManagedPolicy",
    IamRole(iam::Role) = "AWS::IAM::Role",
    SsmDocument(ssm::Document) = "AWS::SSM::Document",
    LambdaFunction(lambda::Function) = "AWS::Lambda::Function",
    LogGroup(lambda::LogGroup) = "AWS::Logs::LogGroup",
    StackSet(stackset::StackSet) = "AWS::CloudFormation::StackSet",
}

impl From<custom::CustomResource> for Properties {
    fn from(properties: custom::CustomResource) -> Self {
        Properties::Custom(properties)
    }
}
