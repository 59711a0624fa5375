//! smlog's integration tests: one binary, one module per concern.

mod audit;
mod bad_input;
mod capacity;
mod cli;
mod cost;
mod explain;
mod golden;
mod guard_cli;
mod lint;
mod mutation;
mod plan;
mod robustness;
mod rollout;
mod rules;
mod runbook;
mod support;
