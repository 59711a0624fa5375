//! smlog's integration tests: one binary, one module per concern.

mod capacity;
mod cli;
mod golden;
mod guard_cli;
mod lint;
mod mutation;
mod rollout;
mod rules;
mod support;
