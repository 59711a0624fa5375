//! Process exit codes, one per kind of failure.

pub const OK: u8 = 0;
/// Templates break the policy rules.
pub const VIOLATIONS: u8 = 1;
/// Bad command line (clap's own code).
pub const USAGE: u8 = 2;
/// Bad configuration value or file, or an AWS limit the configuration exceeds.
pub const CONFIG: u8 = 3;
/// A file could not be read or written.
pub const IO: u8 = 4;
/// A bug or broken rule set inside smlog.
pub const INTERNAL: u8 = 5;
/// AWS could not be asked: the aws CLI failed where no single check could absorb it.
pub const AWS: u8 = 6;
