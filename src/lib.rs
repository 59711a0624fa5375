//! smlog: organisation-wide AWS Session Manager logging, synthesized as
//! CloudFormation and checked with cfn-guard before anything is written.
//!
//! Data flows one way: `config` (file and flags → checked `Settings`) →
//! `stacks` (settings → `cfn` templates) → `gate` (size limits, cfn-guard) →
//! `emit` (YAML/JSON, atomic writes). The verbs `synth`, `validate`,
//! `explain` and `verify` drive that flow; `cli` only parses the command line.

pub mod accounts;
pub mod audit;
pub mod aws;
pub mod cfn;
pub mod cli;
pub mod config;
pub mod emit;
pub mod error;
pub mod explain;
pub mod gate;
pub mod ids;
pub mod names;
pub mod plan;
pub mod runbook;
pub mod stacks;
pub mod synth;
pub mod validate;
pub mod verify;
