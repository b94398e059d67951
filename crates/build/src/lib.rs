//! autotel build mode: `autotel go build|install|run|test` and the `autotel toolexec` proxy.
//!
//! [`plan::go`] plans an instrumented build and runs the user's go command with `-toolexec`
//! pointing back at autotel; [`toolexec::main`] is what then runs in front of every compile and
//! link. The two talk only through the state directory ([`state`]) and two environment variables.
//! This crate is the only one that knows the go command's argv and the toolexec protocol; it
//! knows nothing of OTLP.

mod child;
mod constraint;
mod coverage;
pub mod error;
pub mod fingerprint;
pub mod goflags;
mod go_header;
pub mod go_releases;
mod golist;
mod hook_overlay;
mod language;
mod link_cache;
mod matching;
mod modfile;
pub mod otelalign;
pub mod plan;
mod plan_cache;
mod programs;
mod progress;
mod rule_facts;
pub mod runtime;
pub mod state;
mod tool_argv;
mod tool_version;
pub mod toolexec;

pub use error::BuildError;
pub use plan::{go, GoOptions};
