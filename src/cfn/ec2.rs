//! `AWS::EC2::SecurityGroup` and `AWS::EC2::VPCEndpoint` resource properties.

use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_description: String,
    pub vpc_id: Value<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_ingress: Vec<Ingress>,
}

/// One ingress rule as a resource of its own, so a condition can leave it out.
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroupingress.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIngress {
    pub group_id: Value<String>,
    #[serde(flatten)]
    pub rule: Ingress,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ingress {
    pub description: String,
    pub ip_protocol: String,
    pub from_port: u16,
    pub to_port: u16,
    pub cidr_ip: Value<String>,
}

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpoint {
    pub vpc_endpoint_type: String,
    pub service_name: Value<String>,
    pub vpc_id: Value<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Value<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<Value<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_dns_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_ids: Option<Value<Vec<String>>>,
}
