//! smlog: organisation-wide AWS Session Manager logging, synthesized as
//! CloudFormation and checked with cfn-guard before anything is written.

pub mod cfn;
pub mod cli;
pub mod config;
pub mod emit;
pub mod error;
pub mod explain;
pub mod guard;
pub mod ids;
pub mod limits;
pub mod stacks;
pub mod synth;
pub mod validate;
pub mod verify;
