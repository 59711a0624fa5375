//! A central session key for several Regions: deployed once per Region of the
//! central account, the central stack holds the bucket, its key and the
//! multi-Region primary session key in the home Region, and a replica of the
//! session key (same `mrk-` id) everywhere else. Member stacks compute their
//! Region's key ARN from that id.

use super::{central, wiring, SESSION_KEY_ALIAS};
use crate::cfn::kms::{Alias, ReplicaKey};
use crate::cfn::{Intrinsic, Output, Parameter, Properties, Pseudo, Resource, Template, Value};
use crate::config::Settings;

pub const HOME_REGION: &str = "HomeRegion";
pub const PRIMARY_SESSION_KEY_ARN: &str = "PrimarySessionKeyArn";
const IS_HOME_REGION: &str = "IsHomeRegion";
const IS_REPLICA_REGION: &str = "IsReplicaRegion";
pub const SESSION_KEY_REPLICA: &str = "SessionKeyReplica";
/// The member parameters that replace `SessionKeyArn`.
pub const SESSION_KEY_ID: &str = "SessionKeyId";
pub const CENTRAL_ACCOUNT_ID: &str = "CentralAccountId";

/// Resources that exist only in the home Region.
const HOME_ONLY: [&str; 5] = [
    "BucketKey",
    "BucketKeyAlias",
    central::LOG_BUCKET,
    central::LOG_BUCKET_POLICY,
    "SessionKey",
];

fn if_home(home: Intrinsic, replica: Intrinsic) -> Value<String> {
    Intrinsic::if_(IS_HOME_REGION, home, replica).into()
}

/// Turns the single-Region central template into the per-Region one.
pub fn extend_central(template: &mut Template, settings: &Settings) {
    template.parameter(
        HOME_REGION,
        Parameter::string("The Region that holds the bucket, its key and the primary session key")
            .default_value(settings.home_region.to_string())
            .pattern(
                "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$",
                "a Region code such as us-east-1",
            ),
    );
    template.parameter(
        PRIMARY_SESSION_KEY_ARN,
        Parameter::string(
            "In every other Region: the home stack's output SessionKeyArn; none in the home Region",
        )
        .default_value("none")
        .pattern(
            "^none$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/mrk-[0-9a-f]{32}$",
            "none, or the ARN of the multi-Region primary key (key/mrk-…)",
        ),
    );
    template.condition(
        IS_HOME_REGION,
        Intrinsic::equals(
            Intrinsic::pseudo(Pseudo::Region),
            Intrinsic::reference(HOME_REGION),
        ),
    );
    template.condition(
        IS_REPLICA_REGION,
        Intrinsic::negate(Intrinsic::Condition(IS_HOME_REGION.to_owned())),
    );

    let mut key_policy = None;
    for id in HOME_ONLY {
        if let Some(resource) = template.resources.get_mut(id) {
            resource.condition = Some(IS_HOME_REGION.to_owned());
            if let Properties::KmsKey(key) = &mut resource.properties {
                if id == "SessionKey" {
                    key.multi_region = Some(true);
                    key_policy = Some(key.key_policy.clone());
                }
            }
        }
    }
    let key_policy = key_policy.expect("the central stack has a session key in key mode two");
    let alias = Alias {
        alias_name: SESSION_KEY_ALIAS.into(),
        target_key_id: if_home(
            Intrinsic::reference("SessionKey"),
            Intrinsic::reference(SESSION_KEY_REPLICA),
        ),
    };
    template
        .resources
        .insert("SessionKeyAlias".to_owned(), Resource::new(alias));
    template.resource(
        SESSION_KEY_REPLICA,
        super::holding_data(ReplicaKey {
            description: "smlog: replica of the multi-Region session key for this Region"
                .to_owned(),
            primary_key_arn: Value::reference(PRIMARY_SESSION_KEY_ARN),
            pending_window_in_days: Some(30),
            key_policy,
        })
        .when(IS_REPLICA_REGION),
    );
    for id in [
        wiring::BUCKET_NAME,
        wiring::BUCKET_ARN,
        wiring::BUCKET_KEY_ARN,
    ] {
        if let Some(output) = template.outputs.get_mut(id) {
            output.condition = Some(IS_HOME_REGION.to_owned());
        }
    }
    if let Some(output) = template.outputs.get_mut(wiring::SESSION_KEY_ARN) {
        output.value = if_home(
            Intrinsic::get_att("SessionKey", "Arn"),
            Intrinsic::get_att(SESSION_KEY_REPLICA, "Arn"),
        );
    }
    template.output(
        SESSION_KEY_ID,
        Output::new(
            "Id (mrk-…) of the multi-Region session key, the same in every Region",
            if_home(
                // Ref of a key (and of a replica) is its id.
                Intrinsic::reference("SessionKey"),
                Intrinsic::reference(SESSION_KEY_REPLICA),
            ),
        )
        .exported_as(SESSION_KEY_ID),
    );
    template.output(
        CENTRAL_ACCOUNT_ID,
        Output::new("The central account", Value::pseudo(Pseudo::AccountId))
            .exported_as(CENTRAL_ACCOUNT_ID),
    );
}
