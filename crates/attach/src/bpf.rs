//! The skeletons `build.rs` generates from `bpf/attach.bpf.c` and `bpf/probe_write.bpf.c`
//! (present only when clang was found: cfg `bpf_built`). Besides the loaders, the attach
//! skeleton's `types` module is the Rust side of `bpf/attach.h`: the event layouts
//! (`span_event`, `text_event`) and kinds (`event_kind`) that [`crate::event`] decodes with,
//! generated from the object's BTF so that they are never written twice.

#[cfg(bpf_built)]
pub(crate) mod attach_skel {
    #![allow(clippy::all, dead_code, non_camel_case_types, non_snake_case, unused_imports, unused_qualifications)]
    include!(concat!(env!("OUT_DIR"), "/attach.skel.rs"));
}

#[cfg(bpf_built)]
pub(crate) mod probe_write_skel {
    #![allow(clippy::all, dead_code, non_camel_case_types, non_snake_case, unused_imports, unused_qualifications)]
    include!(concat!(env!("OUT_DIR"), "/probe_write.skel.rs"));
}

/// The event types of `bpf/attach.h`, as generated.
#[cfg(bpf_built)]
pub use attach_skel::types::{event_kind, span_event, text_event};
