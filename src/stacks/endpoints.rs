//! The opt-in network path for nodes in private subnets, one stack per VPC:
//! interface endpoints for Session Manager (`ssm`, `ssmmessages`,
//! `ec2messages`), KMS and, with CloudWatch Logs on, `logs`, each with
//! private DNS and a security group admitting HTTPS from the VPC's CIDR
//! blocks only; and an S3 gateway endpoint on the given route tables.
//! Private DNS needs the VPC's DNS support and DNS hostnames on, which this
//! stack cannot set. A gateway endpoint serves its own Region only: nodes in
//! other Regions than the bucket need another way to its Region (README).

use super::finish;
use crate::cfn::ec2::{Ingress, SecurityGroup, SecurityGroupIngress, VpcEndpoint};
use crate::cfn::template::ParameterType;
use crate::cfn::{Intrinsic, Parameter, Resource, Template, Value};
use crate::config::Settings;
use crate::error::Result;
use crate::plan::Plan;

const VPC_ID: &str = "VpcId";
const SUBNET_IDS: &str = "SubnetIds";
const VPC_CIDRS: &str = "VpcCidrs";
/// A VPC holds five IPv4 CIDR blocks unless its quota was raised.
const MAX_VPC_CIDRS: u32 = 5;
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

/// `VpcCidrs` with empty entries appended, so that every index up to the
/// last one allowed exists (`Fn::Select` fails beyond a list's end).
fn padded_cidrs() -> Intrinsic {
    Intrinsic::Split {
        delimiter: ",".to_owned(),
        source: Intrinsic::Join {
            delimiter: String::new(),
            items: vec![
                Intrinsic::JoinList {
                    delimiter: ",".to_owned(),
                    list: Intrinsic::reference(VPC_CIDRS).into(),
                }
                .into(),
                ",".repeat(MAX_VPC_CIDRS as usize - 1).into(),
            ],
        }
        .into(),
    }
}

/// HTTPS from each of the VPC's CIDR blocks; the first is always given,
/// the others only when the list holds them.
fn https_from_the_vpc(template: &mut Template) {
    for index in 0..MAX_VPC_CIDRS {
        let cidr = Intrinsic::Select {
            index,
            list: padded_cidrs().into(),
        };
        let condition = format!("HasVpcCidr{}", index + 1);
        if index > 0 {
            template.condition(
                &condition,
                Intrinsic::negate(Intrinsic::equals(cidr.clone(), "")),
            );
        }
        let ingress = Resource::new(SecurityGroupIngress {
            group_id: Value::get_att(SECURITY_GROUP, "GroupId"),
            rule: Ingress {
                description: format!("HTTPS from the VPC's CIDR block {}", index + 1),
                ip_protocol: "tcp".to_owned(),
                from_port: 443,
                to_port: 443,
                cidr_ip: cidr.into(),
            },
        });
        let id = format!("HttpsFromVpcCidr{}", index + 1);
        template.resource(
            &id,
            if index > 0 {
                ingress.when(&condition)
            } else {
                ingress
            },
        );
    }
}

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog endpoints: Session Manager, KMS and S3 for nodes in private subnets of one VPC (its DNS support and DNS hostnames must be on)",
    );
    template.parameter(
        VPC_ID,
        Parameter::new(
            ParameterType::VpcId,
            "The VPC whose private subnets hold the nodes. Its enableDnsSupport and enableDnsHostnames must be true: private DNS answers the services' usual names only then (aws ec2 modify-vpc-attribute)",
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
        VPC_CIDRS,
        Parameter::list(
            "The VPC's IPv4 CIDR blocks, one to five, comma-separated (primary and secondary): the endpoints admit HTTPS from them only",
        )
        .pattern(
            r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$",
            "IPv4 CIDR blocks such as 10.0.0.0/16,100.64.0.0/16",
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
            security_group_ingress: Vec::new(),
        },
    );
    https_from_the_vpc(&mut template);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn every_cidr_block_of_the_vpc_gets_https_the_first_always() {
        let settings = Settings {
            endpoints: true,
            ..Settings::default()
        };
        let template = serde_json::to_value(build(&Plan::new(settings)).unwrap()).unwrap();
        assert_eq!(
            template["Parameters"][VPC_CIDRS]["Type"],
            "CommaDelimitedList"
        );
        let resources = template["Resources"].as_object().unwrap();
        let ingress: Vec<(&String, &serde_json::Value)> = resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::EC2::SecurityGroupIngress")
            .collect();
        assert_eq!(ingress.len(), MAX_VPC_CIDRS as usize);
        for (n, (id, resource)) in ingress.iter().enumerate() {
            assert_eq!(**id, format!("HttpsFromVpcCidr{}", n + 1));
            assert_eq!(resource["Properties"]["FromPort"], 443);
            assert_eq!(
                resource["Properties"]["CidrIp"]["Fn::Select"][0],
                n.to_string()
            );
            let condition = resource.get("Condition");
            if n == 0 {
                assert!(condition.is_none(), "the first block is always given");
            } else {
                assert_eq!(condition.unwrap(), &format!("HasVpcCidr{}", n + 1));
            }
        }
        assert!(template["Parameters"]["VpcId"]["Description"]
            .as_str()
            .unwrap()
            .contains("enableDnsHostnames"));
    }
}
