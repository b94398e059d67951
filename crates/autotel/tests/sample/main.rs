//! End-to-end tests of the sample application (`testdata/apps/sample`): service A (gin) and
//! service B (echo v4), or both on net/http's ServeMux, built with the autotel binary and run
//! against a real MariaDB server and a real Redis server that the harness starts on loopback.
//! The spans arrive at the in-process OTLP receiver of `crates/otlp`.

#[path = "../build_mode/support.rs"]
mod support;

/// MariaDB and Redis servers of one test, and the sample built once for all tests.
mod harness;
/// One request to A: exactly seven spans in one trace, exact parents, names, attributes.
mod traces;
/// A failing query and a failing Redis command: error spans, responses unchanged.
mod errors;
/// Log lines written in a handler carry the request's trace id, in every logger.
mod logs;
/// The sample's own tests pass with `go test` and with `autotel go test`.
mod app_tests;
/// Attach mode: the plain (and stripped) net/http variant attached, compared with build mode.
mod attach;
/// The oldest library releases the rules claim (gin, echo v3 and v4, redigo, go-redis v8, logrus,
/// zap), rewritten and run against a real Redis server.
mod oldest_libs;
/// echo v5, gorilla/mux and chi v5, their newest and their oldest supported releases: the server
/// span and the duration metric named by the route, errors and panics.
mod routers;
