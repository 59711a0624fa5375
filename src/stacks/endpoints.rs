//! The opt-in network path for nodes in private subnets, one stack per VPC:
//! interface endpoints for Session Manager (`ssm`, `ssmmessages`,
//! `ec2messages`), KMS and, with CloudWatch Logs on, `logs`, each with
//! private DNS and a security group admitting HTTPS from the VPC only; and an
//! S3 gateway endpoint on the given route tables. A gateway endpoint serves
//! its own Region only: nodes in other Regions than the bucket need another
//! way to its Region (README).

use super::finish;
use crate::cfn::ec2::{Ingress, SecurityGroup, VpcEndpoint};
use crate::cfn::template::ParameterType;
use crate::cfn::{Intrinsic, Parameter, Resource, Template, Value};
use crate::config::Settings;
use crate::error::Result;
use crate::plan::Plan;

const VPC_ID: &str = "VpcId";
const SUBNET_IDS: &str = "SubnetIds";
const VPC_CIDR: &str = "VpcCidr";
const ROUTE_TABLE_IDS: &str = "RouteTableIds";
const HAS_ROUTE_TABLES: &str = "HasRouteTables";
pub const SECURITY_GROUP: &str = "EndpointSecurityGroup";

/// The interface endpoints the agent needs, by service and logical id.
fn interface_services(settings: &Settings) -> Vec<(&'static str, &'static str)> {
    let mut services = vec![
        ("ssm", "SsmEndpoint"),
        ("ssmmessages", "SsmMessagesEndpoint"),
        // Agents before 3.3.40.0 still reach Systems Manager through it.
        ("ec2messages", "Ec2MessagesEndpoint"),
        ("kms", "KmsEndpoint"),
    ];
    if settings.cloudwatch.is_some() {
        services.push(("logs", "LogsEndpoint"));
    }
    services
}

fn service_name(service: &str) -> Value<String> {
    Value::sub(format!("com.amazonaws.${{AWS::Region}}.{service}"))
}

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog endpoints: Session Manager, KMS and S3 for nodes in private subnets of one VPC",
    );
    template.parameter(
        VPC_ID,
        Parameter::new(
            ParameterType::VpcId,
            "The VPC whose private subnets hold the nodes",
        ),
    );
    template.parameter(
        SUBNET_IDS,
        Parameter::new(
            ParameterType::SubnetIds,
            "One subnet per Availability Zone for the interface endpoints",
        ),
    );
    template.parameter(
        VPC_CIDR,
        Parameter::string("The VPC's IPv4 CIDR block: the endpoints admit HTTPS from it only")
            .pattern(
                r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$",
                "an IPv4 CIDR block such as 10.0.0.0/16",
            ),
    );
    template.parameter(
        ROUTE_TABLE_IDS,
        Parameter::list(
            "Route tables of the private subnets, for the S3 gateway endpoint; empty for none",
        )
        .default_value(""),
    );
    template.condition(HAS_ROUTE_TABLES, Intrinsic::list_not_empty(ROUTE_TABLE_IDS));
    template.resource(
        SECURITY_GROUP,
        SecurityGroup {
            group_description: "smlog: HTTPS from the VPC to its interface endpoints".to_owned(),
            vpc_id: Value::reference(VPC_ID),
            security_group_ingress: vec![Ingress {
                description: "HTTPS from the VPC".to_owned(),
                ip_protocol: "tcp".to_owned(),
                from_port: 443,
                to_port: 443,
                cidr_ip: Value::reference(VPC_CIDR),
            }],
        },
    );
    for (service, id) in interface_services(settings) {
        template.resource(
            id,
            VpcEndpoint {
                vpc_endpoint_type: "Interface".to_owned(),
                service_name: service_name(service),
                vpc_id: Value::reference(VPC_ID),
                subnet_ids: Some(Value::reference(SUBNET_IDS)),
                security_group_ids: Some(vec![Value::reference(SECURITY_GROUP)]),
                // The agent calls the services' public names; private DNS answers them.
                private_dns_enabled: Some(true),
                route_table_ids: None,
            },
        );
    }
    template.resource(
        "S3GatewayEndpoint",
        Resource::new(VpcEndpoint {
            vpc_endpoint_type: "Gateway".to_owned(),
            service_name: service_name("s3"),
            vpc_id: Value::reference(VPC_ID),
            subnet_ids: None,
            security_group_ids: None,
            private_dns_enabled: None,
            route_table_ids: Some(Value::reference(ROUTE_TABLE_IDS)),
        })
        .when(HAS_ROUTE_TABLES),
    );
    finish(template, "endpoints")
}
