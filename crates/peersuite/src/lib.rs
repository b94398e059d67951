//! The peer-suite harness: autotel's promise is that `autotel go` adds telemetry and changes
//! nothing else, and the instrumented libraries' own test suites are the oracle. For each pinned
//! suite (`testdata/peer-suites.yaml`) the harness copies the module's release out of the module
//! cache, runs the same `go test -json` with `go` and with `autotel go`, and compares every
//! package's build and every test's outcome; it also checks that the hooks were really linked in,
//! that the copied tree was not written, and which dependency versions moved.
//!
//! Pure logic (`suites`, `events`, `compare`, `recheck`, `tree`, `report`) is separated from what runs
//! processes (`gocmd`, `module`, `servers`, `linkcheck`, `runner`), so the parsing and the
//! comparison are unit-tested without a network or a Go toolchain.

pub mod compare;
pub mod events;
pub mod gocmd;
pub mod linkcheck;
pub mod module;
pub mod recheck;
pub mod report;
pub mod runner;
pub mod servers;
pub mod suites;
pub mod tree;
