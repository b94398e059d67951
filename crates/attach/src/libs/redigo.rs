//! redigo: one client span per command (`(*conn).DoWithTimeout`, which `Do` and `DoContext` go
//! through); the server address from the socket the command is written to
//! (`bpf/peer.bpf.h`). BPF side: `bpf/lib/redigo.bpf.h` (no configuration of its own); spans:
//! its events decode as go-redis's, whose `redis_span` (`libs/goredis.rs`) builds them.

use super::Library;
use crate::offsets::*;
use crate::probes::{ProbeId, ProbeSpec};

pub struct Redigo;

pub(crate) const PROBES: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::Redigo,
        programs: ("redigo_do_enter", Some("redigo_do_ret")),
        instrumentation: "redigo",
        what: "redigo commands",
        function: "github.com/gomodule/redigo/redis.(*conn).DoWithTimeout",
        also: &[],
        fields: &[G_GOID],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

impl Library for Redigo {
    fn name(&self) -> &'static str {
        "redigo"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn reads_peers(&self) -> bool {
        true
    }
}
