/* The events the BPF programs send, defined once for both sides: userspace decodes them with the
 * Rust types libbpf-cargo generates from the object's BTF (`types::span_event`, `text_event`,
 * `event_kind` in the skeleton; common.bpf.h anchors them in .rodata so they are in the BTF), so
 * src/event.rs holds no offsets or sizes of its own. */
#ifndef AUTOTEL_ATTACH_H
#define AUTOTEL_ATTACH_H

enum event_kind {
	EVENT_HTTP_SERVER = 1,
	EVENT_HTTP_CLIENT = 2,
	/* The kinds below use struct text_event. */
	EVENT_DB_QUERY = 3,    /* database/sql call: text = query, aux2 = operation when it is not
	                        * the query's first word (PREPARE, BEGIN…), aux3 = two u64 code
	                        * addresses naming the driver (db_driver), peer (below) */
	EVENT_REDIS = 4,       /* go-redis v9 command: text = command words, aux1 = server addr,
	                        * status = database index */
	EVENT_GRPC_CLIENT = 5, /* text = full method, aux1 = target */
	EVENT_GRPC_SERVER = 6, /* text = full method */
	EVENT_KAFKA_SEND = 7,  /* text = topic */
	EVENT_KAFKA_RECV = 8,  /* text = topic, aux1 = consumer group */
	EVENT_REDIGO = 9,      /* redigo command: text = command name, aux2 = error text, aux3 = key,
	                        * peer (below) */
	EVENT_KIND_END         /* one past the last kind: userspace's test decodes every kind below */
};
/* The peer of DB_QUERY and REDIGO events: aux1 = the server's IP bytes (len 4 or 16), status =
 * its port; len[1] = 0 when no TCP send was seen during the span. */

/* Counters of the outgoing traceparent (the injection_stats map). */
#define INJECT_WRITTEN 0    /* the header line went into the request */
#define INJECT_REFUSED 1    /* it would have, but the kernel refuses bpf_probe_write_user */
#define INJECT_PRESENT 2    /* the request already had a traceparent */
#define INJECT_NO_ROOM 3    /* the connection's buffer had no room for the line */
#define INJECT_UNEXPECTED 4 /* the buffer did not hold a request head, or the write failed */
#define INJECT_COUNTERS 5

#define METHOD_MAX 16
#define SCHEME_MAX 16
#define HOST_MAX 128
#define PATH_MAX_ 256
#define PATTERN_MAX 128
#define QUERY_MAX 256
#define REMOTE_MAX 64
#define UA_MAX 128

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
	u8 has_status;    /* text events: status holds a value (go-redis: the database index) */
	u8 _pad0[4];
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
	/* trailer: server peer, User-Agent, protocol version, TLS */
	u16 remote_len;    /* Request.RemoteAddr (server) */
	u16 ua_len;        /* User-Agent header (server, Go 1.24+ maps) */
	u8 proto_major;    /* server: Request.ProtoMajor; client: Response.ProtoMajor */
	u8 proto_minor;
	u8 tls;            /* server: Request.TLS != nil */
	u8 _pad2;
	char remote[REMOTE_MAX];
	char user_agent[UA_MAX];
};

/* Spans of the other libraries: the same 96-byte header (the lengths are len[0..4] of text,
 * aux1, aux2, aux3), then the strings. `status` and `count` are kind-specific numbers (gRPC
 * status code; redis argument count, kafka message count / partition). */
#define TEXT_MAX 4096
#define AUX_MAX 128
struct text_event {
	u32 kind;
	u32 pid;
	u64 goid;
	u64 start_ns;
	u64 end_ns;
	u8 trace_id[16];
	u8 span_id[8];
	u8 parent_span_id[8];
	u8 has_parent;
	u8 parent_remote;
	u8 is_error;
	u8 has_status;
	u8 _pad0[4];
	s64 status;
	u16 len[4];
	s64 count;
	char text[TEXT_MAX];
	char aux1[AUX_MAX];
	char aux2[AUX_MAX];
	char aux3[AUX_MAX];
};
#define TEXT_EVENT_SIZE (96 + TEXT_MAX + 3 * AUX_MAX)

/* 96 bytes of header, then the strings, then the 8-byte trailer and its strings. */
#define SPAN_EVENT_SIZE (96 + METHOD_MAX + HOST_MAX + HOST_MAX + PATH_MAX_ + PATTERN_MAX + SCHEME_MAX + QUERY_MAX + 8 + REMOTE_MAX + UA_MAX)

#endif
