//! The closed set of resource types smlog emits, as one enum of typed properties.

use super::{custom, ec2, events, iam, kms, lambda, organizations, s3, ssm, sso, stackset};
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

/// What an IAM resource asks of the deployer (ordered: a named one asks more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IamCapability {
    Unnamed,
    Named,
}

impl Properties {
    /// None for resources that are not IAM's.
    pub fn iam_capability(&self) -> Option<IamCapability> {
        match self {
            Properties::IamManagedPolicy(policy) if policy.managed_policy_name.is_some() => {
                Some(IamCapability::Named)
            }
            Properties::IamManagedPolicy(_) | Properties::IamRole(_) => {
                Some(IamCapability::Unnamed)
            }
            _ => None,
        }
    }
}

resource_types! {
    KmsKey(kms::Key) = "AWS::KMS::Key",
    KmsReplicaKey(kms::ReplicaKey) = "AWS::KMS::ReplicaKey",
    KmsAlias(kms::Alias) = "AWS::KMS::Alias",
    S3Bucket(s3::Bucket) = "AWS::S3::Bucket",
    S3BucketPolicy(s3::BucketPolicy) = "AWS::S3::BucketPolicy",
    IamManagedPolicy(iam::ManagedPolicy) = "AWS::IAM::ManagedPolicy",
    IamRole(iam::Role) = "AWS::IAM::Role",
    SsmDocument(ssm::Document) = "AWS::SSM::Document",
    SsoPermissionSet(sso::PermissionSet) = "AWS::SSO::PermissionSet",
    LambdaFunction(lambda::Function) = "AWS::Lambda::Function",
    LambdaPermission(lambda::Permission) = "AWS::Lambda::Permission",
    EventsRule(events::Rule) = "AWS::Events::Rule",
    LogGroup(lambda::LogGroup) = "AWS::Logs::LogGroup",
    StackSet(stackset::StackSet) = "AWS::CloudFormation::StackSet",
    OrganizationsPolicy(organizations::Policy) = "AWS::Organizations::Policy",
    SecurityGroup(ec2::SecurityGroup) = "AWS::EC2::SecurityGroup",
    SecurityGroupIngress(ec2::SecurityGroupIngress) = "AWS::EC2::SecurityGroupIngress",
    VpcEndpoint(ec2::VpcEndpoint) = "AWS::EC2::VPCEndpoint",
}

impl From<custom::CustomResource> for Properties {
    fn from(properties: custom::CustomResource) -> Self {
        Properties::Custom(properties)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::policy::{PolicyDocument, Statement};
    use crate::cfn::value::Value;
    use serde_json::json;

    fn policy() -> PolicyDocument {
        PolicyDocument::new(vec![Statement::allow("A")
            .actions(&["s3:GetObject"])
            .resource("arn:aws:s3:::b/*")])
    }

    fn json(properties: impl Into<Properties>) -> (String, serde_json::Value) {
        let properties = properties.into();
        (
            properties.type_name().to_owned(),
            serde_json::to_value(&properties).unwrap(),
        )
    }

    #[test]
    fn each_resource_type_has_its_name_and_pascal_case_properties() {
        let (name, value) = json(kms::Key {
            description: "d".to_owned(),
            enable_key_rotation: true,
            rotation_period_in_days: Some(365),
            pending_window_in_days: None,
            multi_region: Some(false),
            key_policy: policy(),
            tags: vec![kms::Tag::new("team", "security")],
        });
        assert_eq!(name, "AWS::KMS::Key");
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "Description",
                "EnableKeyRotation",
                "RotationPeriodInDays",
                "MultiRegion",
                "KeyPolicy",
                "Tags"
            ]
        );
        assert_eq!(value["Tags"][0]["Key"], "team");

        let (name, value) = json(kms::Alias {
            alias_name: "alias/a".into(),
            target_key_id: Value::reference("K"),
        });
        assert_eq!(
            (name.as_str(), value),
            (
                "AWS::KMS::Alias",
                json!({"AliasName": "alias/a", "TargetKeyId": {"Ref": "K"}})
            )
        );

        let (name, value) = json(s3::Bucket {
            bucket_name: Some("b".into()),
            bucket_encryption: Some(s3::BucketEncryption::kms(Value::get_att("K", "Arn"))),
            public_access_block_configuration: Some(
                s3::PublicAccessBlockConfiguration::all_blocked(),
            ),
            ownership_controls: Some(s3::OwnershipControls::bucket_owner_enforced()),
            versioning_configuration: Some(s3::VersioningConfiguration::enabled()),
            object_lock_enabled: Some(true),
            object_lock_configuration: Some(s3::ObjectLockConfiguration {
                object_lock_enabled: "Enabled".to_owned(),
                rule: s3::ObjectLockRule {
                    default_retention: s3::DefaultRetention {
                        mode: "COMPLIANCE".to_owned(),
                        days: None,
                        years: Some(7),
                    },
                },
            }),
            lifecycle_configuration: None,
            logging_configuration: None,
            replication_configuration: None,
        });
        assert_eq!(
            value["ObjectLockConfiguration"],
            json!({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7}}})
        );
        assert_eq!(value["ObjectLockEnabled"], true);
        assert_eq!(name, "AWS::S3::Bucket");
        assert_eq!(
            value["BucketEncryption"],
            json!({"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["K", "Arn"]}}, "BucketKeyEnabled": true}]})
        );
        assert_eq!(
            value["OwnershipControls"],
            json!({"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        );
        assert_eq!(
            value["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"],
            true
        );
        assert_eq!(
            value["VersioningConfiguration"],
            json!({"Status": "Enabled"})
        );
        assert_eq!(
            json(s3::Bucket::default()).1,
            json!({}),
            "unset properties are left out"
        );

        let (name, value) = json(s3::BucketPolicy {
            bucket: Value::reference("B"),
            policy_document: policy(),
        });
        assert_eq!(name, "AWS::S3::BucketPolicy");
        assert_eq!(value["Bucket"], json!({"Ref": "B"}));

        let (name, value) = json(iam::ManagedPolicy {
            managed_policy_name: None,
            description: "d".to_owned(),
            policy_document: policy(),
            roles: None,
        });
        assert_eq!(name, "AWS::IAM::ManagedPolicy");
        assert!(value.get("Roles").is_none());

        let (name, value) = json(iam::Role {
            path: None,
            description: "d".to_owned(),
            assume_role_policy_document: policy(),
            policies: vec![iam::InlinePolicy {
                policy_name: "p".to_owned(),
                policy_document: policy(),
            }],
        });
        assert_eq!(name, "AWS::IAM::Role");
        assert_eq!(value["Policies"][0]["PolicyName"], "p");

        let (name, value) = json(ssm::Document {
            name: "N".to_owned(),
            document_type: "Session".to_owned(),
            document_format: "JSON".to_owned(),
            content: json!({"schemaVersion": "1.0"}),
            update_method: None,
        });
        assert_eq!(name, "AWS::SSM::Document");
        assert_eq!(
            value,
            json!({"Name": "N", "DocumentType": "Session", "DocumentFormat": "JSON", "Content": {"schemaVersion": "1.0"}})
        );

        let (name, value) = json(lambda::Function {
            function_name: "f".to_owned(),
            description: "d".to_owned(),
            runtime: "python3.12".to_owned(),
            handler: "index.handler".to_owned(),
            role: Value::get_att("R", "Arn"),
            timeout: 60,
            memory_size: 128,
            environment: None,
            code: lambda::Code {
                zip_file: "print(1)".to_owned(),
            },
        });
        assert_eq!(name, "AWS::Lambda::Function");
        assert_eq!(value["Code"], json!({"ZipFile": "print(1)"}));
        assert_eq!(value["Timeout"], 60);

        let (name, value) = json(lambda::LogGroup {
            log_group_name: "/g".into(),
            retention_in_days: 90,
            kms_key_id: None,
        });
        assert_eq!(
            (name.as_str(), value),
            (
                "AWS::Logs::LogGroup",
                json!({"LogGroupName": "/g", "RetentionInDays": 90})
            )
        );

        let mut custom = custom::CustomResource::new("Thing", Value::get_att("F", "Arn"));
        custom.properties.insert("Flag".to_owned(), json!(true));
        let (name, value) = json(custom);
        assert_eq!(
            (name.as_str(), value),
            (
                "Custom::Thing",
                json!({"ServiceToken": {"Fn::GetAtt": ["F", "Arn"]}, "Flag": true})
            )
        );
    }

    #[test]
    fn the_stack_set_resource() {
        let (name, value) = json(stackset::StackSet {
            stack_set_name: "s".to_owned(),
            description: "d".to_owned(),
            permission_model: "SERVICE_MANAGED".to_owned(),
            auto_deployment: stackset::AutoDeployment {
                enabled: true,
                retain_stacks_on_account_removal: false,
                depends_on: vec![],
            },
            call_as: stackset::CallAs::SelfAccount,
            capabilities: vec!["CAPABILITY_IAM".to_owned()],
            managed_execution: stackset::ManagedExecution { active: true },
            operation_preferences: stackset::OperationPreferences {
                failure_tolerance_percentage: 10,
                max_concurrent_percentage: 25,
                region_concurrency_type: stackset::RegionConcurrency::Sequential,
                concurrency_mode: stackset::ConcurrencyMode::SoftFailureTolerance,
                region_order: Some(Value::reference("Regions")),
            },
            parameters: vec![stackset::StackSetParameter {
                parameter_key: "P".to_owned(),
                parameter_value: Value::reference("P"),
            }],
            stack_instances_group: vec![stackset::StackInstances {
                deployment_targets: stackset::DeploymentTargets {
                    organizational_unit_ids: Value::reference("Ous"),
                    accounts: None,
                    account_filter_type: None,
                },
                regions: Value::reference("Regions"),
            }],
            template_body: "Resources: {}".to_owned(),
        });
        assert_eq!(name, "AWS::CloudFormation::StackSet");
        assert_eq!(
            value["AutoDeployment"],
            json!({"Enabled": true, "RetainStacksOnAccountRemoval": false})
        );
        assert_eq!(
            value["StackInstancesGroup"][0]["DeploymentTargets"],
            json!({"OrganizationalUnitIds": {"Ref": "Ous"}})
        );
        assert_eq!(
            value["Parameters"][0],
            json!({"ParameterKey": "P", "ParameterValue": {"Ref": "P"}})
        );
        assert_eq!(
            value["OperationPreferences"],
            json!({"FailureTolerancePercentage": 10, "MaxConcurrentPercentage": 25,
                   "RegionConcurrencyType": "SEQUENTIAL", "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
                   "RegionOrder": {"Ref": "Regions"}})
        );
    }
}
