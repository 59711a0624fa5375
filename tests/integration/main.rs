//! smlog's integration tests: one binary, one module per concern.

mod cli;
mod golden;
mod lint;
mod mutation;
mod rules;
mod support;
