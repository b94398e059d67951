/* Types shared by the BPF programs (attach.bpf.c) and userspace (src/event.rs, which decodes
 * struct span_event field by field at the offsets asserted below). Keep both sides in step. */
#ifndef AUTOTEL_ATTACH_H
#define AUTOTEL_ATTACH_H

#define EVENT_HTTP_SERVER 1
#define EVENT_HTTP_CLIENT 2

#define METHOD_MAX 16
#define SCHEME_MAX 16
#define HOST_MAX 128
#define PATH_MAX_ 256
#define PATTERN_MAX 128
#define QUERY_MAX 256

struct span_event {
	u32 kind;
	u32 pid;
	u64 goid;
	u64 start_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	u64 end_ns;
	u8 trace_id[16];
	u8 span_id[8];
	u8 parent_span_id[8];
	u8 has_parent;
	u8 parent_remote; /* parent came from an incoming traceparent header */
	u8 is_error;      /* client: roundTrip returned a non-nil error */
	u8 _pad0[5];
	s64 status;       /* HTTP status, 0 when unknown */
	u16 method_len;
	u16 host_len;     /* Request.Host */
	u16 url_host_len; /* Request.URL.Host */
	u16 path_len;
	u16 pattern_len;
	u16 scheme_len;
	u16 query_len;
	u16 _pad1;
	char method[METHOD_MAX];
	char host[HOST_MAX];
	char url_host[HOST_MAX];
	char path[PATH_MAX_];
	char pattern[PATTERN_MAX];
	char scheme[SCHEME_MAX];
	char query[QUERY_MAX];
};

/* 96 bytes of header, then the strings. */
#define SPAN_EVENT_SIZE (96 + METHOD_MAX + HOST_MAX + HOST_MAX + PATH_MAX_ + PATTERN_MAX + SCHEME_MAX + QUERY_MAX)

#endif
