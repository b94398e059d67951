// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* autotel attach: uprobes on Go functions.
 *
 * Go facts these programs rely on (design.md §3):
 * - Register ABI (Go 1.17+ amd64, 1.18+ arm64): integer arguments and results in
 *   RAX, RBX, RCX, RDI, RSI, R8-R11 (amd64) / X0-X7 (arm64); the current g in R14 / X28.
 * - No uretprobes: userspace attaches the *_ret programs as plain uprobes on every RET.
 * - Entry probes sit on the prologue's `PUSHQ BP` (or its stack-check jump, or the first
 *   instruction; see disasm.rs), where the arguments are still in their registers. One that
 *   is not past the stack check can fire twice for one call (the stack-growth path restarts
 *   the function, after copying the stack): entry handlers do nothing when the goroutine
 *   already has state for the same call (same receiver or heap object), and refresh any
 *   pointer that may point into the moved stack. State whose exit is never seen (panic, Goexit) ages out
 *   of LRU maps.
 *
 * Struct offsets come from userspace (DWARF or the fallback table) as read-only globals.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "attach.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#if defined(__TARGET_ARCH_x86)
#define GO_ARG1(x) ((x)->ax)
#define GO_ARG2(x) ((x)->bx)
#define GO_ARG3(x) ((x)->cx)
#define GO_ARG4(x) ((x)->di)
#define GO_ARG5(x) ((x)->si)
#define GO_ARG6(x) ((x)->r8)
#define GO_ARG7(x) ((x)->r9)
#define GO_ARG8(x) ((x)->r10)
#define GO_ARG9(x) ((x)->r11)
#define GO_G(x) ((x)->r14)
/* Before a function sets up its frame (where entry probes sit) the return address is on top of the stack. */
#define GO_RETURN_ADDRESS(x) read_u64((x)->sp)
#elif defined(__TARGET_ARCH_arm64)
#define GO_ARG1(x) ((x)->regs[0])
#define GO_ARG2(x) ((x)->regs[1])
#define GO_ARG3(x) ((x)->regs[2])
#define GO_ARG4(x) ((x)->regs[3])
#define GO_ARG5(x) ((x)->regs[4])
#define GO_ARG6(x) ((x)->regs[5])
#define GO_ARG7(x) ((x)->regs[6])
#define GO_ARG8(x) ((x)->regs[7])
#define GO_ARG9(x) ((x)->regs[8])
#define GO_G(x) ((x)->regs[28])
/* Before a function sets up its frame (where entry probes sit) the return address is in the link register. */
#define GO_RETURN_ADDRESS(x) ((x)->regs[30])
#endif

_Static_assert(sizeof(struct span_event) == SPAN_EVENT_SIZE, "span_event layout");
_Static_assert(sizeof(struct text_event) == TEXT_EVENT_SIZE, "text_event layout");
_Static_assert(__builtin_offsetof(struct text_event, text) == 96, "text_event header");

/* ---- configuration, set by userspace before load ---- */
const volatile u64 off_g_goid = 0;
const volatile u64 off_g_m = 0;
const volatile u64 off_m_curg = 0;
const volatile u64 off_req_method = 0;
const volatile u64 off_req_url = 0;
const volatile u64 off_req_header = 0;
const volatile u64 off_req_host = 0;
const volatile u64 off_req_pattern = 0;
const volatile u64 off_url_scheme = 0;
const volatile u64 off_url_host = 0;
const volatile u64 off_url_path = 0;
const volatile u64 off_url_rawquery = 0;
const volatile u64 off_response_status = 0;
const volatile u64 off_h2_writer_state = 0;
const volatile u64 off_h2_state_status = 0;
const volatile u8 have_h2_status = 0;
const volatile u64 off_resp_statuscode = 0;
const volatile u64 off_req_protomajor = 0;
const volatile u64 off_req_protominor = 0;
const volatile u64 off_req_remoteaddr = 0;
const volatile u64 off_req_tls = 0;
const volatile u64 off_resp_protomajor = 0;
const volatile u64 off_resp_protominor = 0;
const volatile u8 have_req_extras = 0;
const volatile u8 have_resp_proto = 0;
const volatile u64 off_map_dirptr = 0;
const volatile u64 off_map_dirlen = 0;
const volatile u64 off_table_groups = 0;
const volatile u64 off_groupsref_data = 0;
const volatile u64 off_groupsref_mask = 0;
const volatile u64 off_persistconn_bw = 0;
const volatile u64 off_bufio_writer_buf = 0;
const volatile u64 off_bufio_writer_n = 0;
const volatile u64 off_transferwriter_header = 0;
const volatile u8 inject_traceparent = 0; /* the kernel allows bpf_probe_write_user */
const volatile u64 off_stmt_query = 0;
const volatile u64 off_gin_context_fullpath = 0;
const volatile u64 off_echo_context_path = 0;
const volatile u64 off_db_connector = 0;
const volatile u64 off_conn_db = 0;
const volatile u64 off_tx_db = 0;
const volatile u64 off_stmt_db = 0;
const volatile u64 off_dsnconnector_driver = 0;
const volatile u8 have_db_driver = 0;
const volatile u64 rollback_entry = 0;       /* link-time address of rollback's entry probe */
const volatile u64 rollback_ignored_lo = 0;  /* (*Tx).awaitDone's range: [lo, hi) */
const volatile u64 rollback_ignored_hi = 0;
const volatile u64 off_redis_basecmd_args = 0;
const volatile u64 off_redis_baseclient_opt = 0;
const volatile u64 off_redis_options_addr = 0;
const volatile u8 have_redis_addr = 0;
const volatile u64 off_redis_options_db = 0;
const volatile u8 have_redis_db = 0;
const volatile u64 off_grpc_cc_target = 0;
const volatile u64 off_grpc_error_s = 0;
const volatile u64 off_grpc_status_s = 0;
const volatile u64 off_spb_status_code = 0;
const volatile u64 off_grpc_serverstream_stream = 0;
const volatile u64 off_grpc_stream_method = 0;
const volatile u64 off_kafka_writer_topic = 0;
const volatile u64 off_kafka_message_topic = 0;
const volatile u64 off_kafka_reader_config = 0;
const volatile u64 off_kafka_readercfg_topic = 0;
const volatile u64 off_kafka_readercfg_group = 0;
const volatile u64 off_kafka_readercfg_brokers = 0;
const volatile u64 off_kafka_readercfg_partition = 0;
const volatile u8 have_kafka_group = 0;
const volatile u8 have_kafka_brokers = 0;
const volatile u8 have_kafka_partition = 0;
const volatile u8 have_grpc_target = 0;
const volatile u8 have_grpc_code = 0;
const volatile u8 have_pattern = 0;
const volatile u8 have_swiss_headers = 0;
/* Wake the reader only once this much data is waiting (batched wake-ups); userspace also
 * drains the ring on a short timer, so a quiet period never strands events. */
const volatile u64 wakeup_bytes = 256 * 1024;

/* ---- maps ---- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct go_key {
	u32 tgid;
	u32 _pad;
	u64 goid;
};

struct span_ctx {
	u8 trace_id[16];
	u8 span_id[8];
};

/* The span context current in each goroutine: set while a span runs in it, and copied into
 * every goroutine it creates (runtime.newproc1), so ancestry has no depth limit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct go_key);
	__type(value, struct span_ctx);
} go_ctx SEC(".maps");

struct entry_state {
	u64 start_ns;
	u64 req;  /* *http.Request: identifies the call across a repeated entry probe */
	u64 aux;  /* server: the ResponseWriter's data word */
	struct span_ctx sc;
	struct span_ctx prev; /* the goroutine's context before this span */
	u8 parent_span_id[8];
	u8 has_parent;
	u8 parent_remote;
	u8 had_prev;
	u8 nested; /* calls of the same probe inside this one, on this goroutine, not yet returned */
	u8 _pad[4];
	u64 aux2; /* kind-specific: string lengths, pointers */
	u64 aux3;
	u64 code[2]; /* database/sql: the driver's code addresses (db_driver) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} server_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} client_state SEC(".maps");


/* ---- helpers ---- */
static __always_inline int current_goroutine(struct pt_regs *ctx, struct go_key *k)
{
	u64 g = GO_G(ctx);
	if (!g)
		return 0;
	k->tgid = bpf_get_current_pid_tgid() >> 32;
	k->_pad = 0;
	k->goid = 0;
	if (bpf_probe_read_user(&k->goid, sizeof(k->goid), (void *)(g + off_g_goid)))
		return 0;
	return 1;
}

static __always_inline u64 read_u64(u64 addr)
{
	u64 v = 0;
	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/* Copies a Go string (ptr, len at addr) into dst[size], size a power of two. */
#define READ_GO_STRING(dst, size, addr, out_len) \
	READ_BYTES(dst, size, read_u64(addr), read_u64((addr) + 8), out_len)

static __always_inline void random_bytes(u8 *dst, int n)
{
#pragma unroll
	for (int i = 0; i < 16; i += 4) {
		if (i >= n)
			break;
		u32 r = bpf_get_prandom_u32();
		__builtin_memcpy(dst + i, &r, 4);
	}
}

/* The data a record submitted now can bring past wakeup_bytes: the largest record (event and
 * the ring's 8-byte header) reserved here and one reserved meanwhile on another CPU. */
#define WAKE_WINDOW (2 * (TEXT_EVENT_SIZE + 8))

/* Wakes the reader once per crossing of wakeup_bytes: when the waiting data, this record
 * included, has just passed it. Not for every record after that: each forced wake-up is an
 * interrupt sent to another CPU, and the reader, once woken, takes everything waiting. */
static __always_inline int wake_flags(void)
{
	u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return avail >= wakeup_bytes && avail < wakeup_bytes + WAKE_WINDOW ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Starts a span in goroutine k: picks the parent (remote, else the goroutine's current
 * context), makes ids, and installs the new span as the goroutine's context. */
static __always_inline void start_span(struct go_key *k, struct entry_state *st)
{
	struct span_ctx *cur = bpf_map_lookup_elem(&go_ctx, k);
	if (cur) {
		st->prev = *cur;
		st->had_prev = 1;
	}
	if (!st->has_parent && cur) {
		__builtin_memcpy(st->sc.trace_id, cur->trace_id, 16);
		__builtin_memcpy(st->parent_span_id, cur->span_id, 8);
		st->has_parent = 1;
	}
	if (!st->has_parent)
		random_bytes(st->sc.trace_id, 16);
	random_bytes(st->sc.span_id, 8);
	bpf_map_update_elem(&go_ctx, k, &st->sc, BPF_ANY);
}

/* Restores the goroutine's context after a span ends. */
static __always_inline void end_span(struct go_key *k, struct entry_state *st)
{
	if (st->had_prev)
		bpf_map_update_elem(&go_ctx, k, &st->prev, BPF_ANY);
	else
		bpf_map_delete_elem(&go_ctx, k);
}

/* At a span's end: takes the current goroutine's state out of the map `state` (into k and st)
 * and gives the goroutine back the context it had before the span; 0 when it has none. */
static __always_inline int take_span(struct pt_regs *ctx, void *state, struct go_key *k, struct entry_state *st)
{
	if (!current_goroutine(ctx, k))
		return 0;
	struct entry_state *p = bpf_map_lookup_elem(state, k);
	if (!p)
		return 0;
	*st = *p;
	bpf_map_delete_elem(state, k);
	end_span(k, st);
	return 1;
}

/* Both event structs share the header, so this works on either. */
#define FILL_IDS(e, st)                                                            \
	do {                                                                         \
		__builtin_memcpy((e)->trace_id, (st)->sc.trace_id, 16);              \
		__builtin_memcpy((e)->span_id, (st)->sc.span_id, 8);                 \
		__builtin_memcpy((e)->parent_span_id, (st)->parent_span_id, 8);      \
		(e)->has_parent = (st)->has_parent;                                  \
		(e)->parent_remote = (st)->parent_remote;                            \
		(e)->start_ns = (st)->start_ns;                                      \
		(e)->end_ns = bpf_ktime_get_ns();                                    \
	} while (0)

static __always_inline void fill_ids(struct span_event *e, struct entry_state *st)
{
	FILL_IDS(e, st);
}

/* ---- one read per struct: the span-ending programs copy the leading bytes of the
 * *http.Request and its *url.URL into a per-CPU scratch view and take their fields from it
 * (each bpf_probe_read_user is a fault-safe user copy of its own; a server span read a dozen
 * words one by one). A field past the view (a later Go release's layout) is read from the
 * target as before. Offsets are read-only globals, so the verifier resolves these branches. */
#define VIEW_BYTES 256

struct struct_views {
	u8 req[VIEW_BYTES];
	u8 url[VIEW_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct struct_views);
} views SEC(".maps");

static __always_inline struct struct_views *struct_views(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&views, &zero);
}

/* Copies the VIEW_BYTES at addr into view; 0 when they cannot be read (a struct near the end
 * of a mapping), and its fields are then read one by one. */
static __always_inline int read_view(u8 *view, u64 addr)
{
	return addr && !bpf_probe_read_user(view, VIEW_BYTES, (void *)addr);
}

/* The u64 at off of the struct at addr: from its view when the view was read (ok) and holds
 * it, else from the target. */
static __always_inline u64 view_u64(const u8 *view, int ok, u64 addr, u64 off)
{
	u64 v = 0;
	if (ok && off <= VIEW_BYTES - 8) {
		__builtin_memcpy(&v, view + off, 8);
		return v;
	}
	return addr ? read_u64(addr + off) : 0;
}

/* READ_GO_STRING for a string field at off of the struct at addr, its header from the view. */
#define VIEW_GO_STRING(dst, size, view, ok, addr, off, out_len) \
	READ_BYTES(dst, size, view_u64((view), (ok), (addr), (off)), view_u64((view), (ok), (addr), (off) + 8), out_len)

/* Copies n bytes of user memory at p into dst[size] (size a power of two), clamped. */
#define READ_BYTES(dst, size, p, n, out_len)                                       \
	do {                                                                         \
		u64 __p = (p);                                                       \
		u64 __n = (n);                                                       \
		if (__n > (size)-1)                                                  \
			__n = (size)-1;                                              \
		__n &= (size)-1;                                                     \
		(out_len) = 0;                                                       \
		if (__p && __n && !bpf_probe_read_user((dst), __n, (void *)__p))     \
			(out_len) = __n;                                             \
	} while (0)

/* A text_event with its header filled in, or NULL when the ring buffer is full. */
static __always_inline struct text_event *new_text_event(u32 kind, struct go_key *k, struct entry_state *st)
{
	struct text_event *e = bpf_ringbuf_reserve(&events, sizeof(struct text_event), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, 96);
	e->kind = kind;
	e->pid = k->tgid;
	e->goid = k->goid;
	FILL_IDS(e, st);
	return e;
}

/* ---- incoming traceparent (Go 1.24+ swiss-table map[string][]string) ----
 * A group is a control word (one byte per slot, high bit set = empty or deleted) followed by
 * 8 slots of {key string (16 bytes), elem []string (24 bytes)}. */
#define SLOT_SIZE 40
#define GROUP_SIZE (8 + 8 * SLOT_SIZE)
#define TRACEPARENT_LEN 55

static __always_inline int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static __always_inline int is_traceparent_key(const char *k)
{
	const char want[11] = "Traceparent";
	int diff = 0;
#pragma unroll
	for (int i = 0; i < 11; i++)
		diff |= k[i] ^ want[i];
	return diff == 0;
}

static __always_inline int is_user_agent_key(const char *k)
{
	const char want[10] = "User-Agent";
	int diff = 0;
#pragma unroll
	for (int i = 0; i < 10; i++)
		diff |= k[i] ^ want[i];
	return diff == 0;
}

/* What a header scan looks for (bits of scan_ctx.want); it stops once it has found them all. */
#define WANT_TRACEPARENT 1
#define WANT_USER_AGENT 2

struct scan_ctx {
	u64 groups;
	u64 ngroups;
	int want;   /* WANT_* */
	int found;  /* WANT_* found so far */
	u8 trace_id[16];      /* a traceparent that parses */
	u8 parent_span_id[8];
	u64 ua_ptr;           /* the User-Agent value's bytes, in the target */
	u64 ua_len;
	char buf[64];
};

/* Parses the traceparent value in sc->buf into sc->trace_id and sc->parent_span_id; 0 when it
 * is not a valid one. A global function: the verifier checks it once, not once per call. */
__noinline int parse_traceparent(struct scan_ctx *sc)
{
	if (!sc)
		return 0;
	const char *s = sc->buf;
	/* 00-<32 hex trace id>-<16 hex span id>-<2 hex flags> */
	if (s[0] != '0' || s[1] != '0' || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return 0;
	u8 acc = 0;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(s[3 + 2 * i]), lo = hexval(s[4 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		sc->trace_id[i] = (hi << 4) | lo;
		acc |= sc->trace_id[i];
	}
	if (!acc)
		return 0;
	acc = 0;
	for (int i = 0; i < 8; i++) {
		int hi = hexval(s[36 + 2 * i]), lo = hexval(s[37 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		sc->parent_span_id[i] = (hi << 4) | lo;
		acc |= sc->parent_span_id[i];
	}
	return acc != 0;
}

/* A header map's group, copied whole (one user read instead of two per slot). Per CPU: it is
 * larger than a BPF program's stack allows next to the scan's state. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u8[GROUP_SIZE]);
} group_copy SEC(".maps");

static __always_inline u64 group_u64(const u8 *g, u32 off)
{
	u64 v;
	__builtin_memcpy(&v, g + off, 8);
	return v;
}

/* Looks at the key of the slot at off in the copied group g; fills sc with what it wants
 * from the slot's value. */
static __always_inline void scan_slot(const u8 *g, u32 off, struct scan_ctx *sc)
{
	u64 kptr = group_u64(g, off);
	u64 klen = group_u64(g, off + 8);
	int which = klen == 11 ? WANT_TRACEPARENT : klen == 10 ? WANT_USER_AGENT : 0;
	if (!(which & sc->want & ~sc->found) || !kptr || bpf_probe_read_user(sc->buf, 11, (void *)kptr))
		return;
	if (which == WANT_TRACEPARENT ? !is_traceparent_key(sc->buf) : !is_user_agent_key(sc->buf))
		return;
	u64 vals = group_u64(g, off + 16);
	u64 nvals = group_u64(g, off + 24);
	u64 first[2]; /* the first value's string header: pointer, length */
	if (!vals || nvals < 1 || bpf_probe_read_user(first, sizeof(first), (void *)vals))
		return;
	u64 vptr = first[0];
	u64 vlen = first[1];
	if (which == WANT_USER_AGENT) {
		sc->ua_ptr = vptr;
		sc->ua_len = vlen;
		sc->found |= WANT_USER_AGENT;
		return;
	}
	/* A traceparent counts as found even when it does not parse: it is the caller's. */
	sc->found |= WANT_TRACEPARENT;
	if (vlen == TRACEPARENT_LEN && vptr && !bpf_probe_read_user(sc->buf, TRACEPARENT_LEN, (void *)vptr) &&
	    !parse_traceparent(sc))
		__builtin_memset(sc->trace_id, 0, 16);
}

/* Scans one group of 8 slots; 1 once everything wanted is found. A global function, like
 * parse_traceparent. */
__noinline int scan_group(u64 group, struct scan_ctx *sc)
{
	u32 zero = 0;
	u8 *g = bpf_map_lookup_elem(&group_copy, &zero);
	if (!sc || !g || bpf_probe_read_user(g, GROUP_SIZE, (void *)group))
		return 0;
	u64 ctrl = group_u64(g, 0);
	for (int s = 0; s < 8; s++) {
		if ((ctrl >> (8 * s)) & 0x80)
			continue;
		scan_slot(g, 8 + s * SLOT_SIZE, sc);
		if (sc->found == sc->want)
			return 1;
	}
	return 0;
}

static long scan_group_cb(u64 i, void *data)
{
	struct scan_ctx *sc = data;
	if (i >= sc->ngroups)
		return 1;
	return scan_group(sc->groups + i * GROUP_SIZE, sc) ? 1 : 0;
}

/* Scans a header map m (Go 1.24+ swiss tables) for the keys sc->want names; returns what it
 * found (WANT_* bits). */
static __always_inline int scan_header_map(u64 m, struct scan_ctx *sc)
{
	if (!m)
		return 0;
	u64 dir_ptr = read_u64(m + off_map_dirptr);
	u64 dir_len = read_u64(m + off_map_dirlen);
	if (!dir_ptr)
		return 0;
	if (dir_len == 0) { /* small map: a single group */
		scan_group(dir_ptr, sc);
		return sc->found;
	}
	for (int t = 0; t < 4; t++) {
		if (t >= dir_len)
			break;
		u64 table = read_u64(dir_ptr + 8 * t);
		if (!table)
			continue;
		sc->groups = read_u64(table + off_table_groups + off_groupsref_data);
		sc->ngroups = read_u64(table + off_table_groups + off_groupsref_mask) + 1;
		if (sc->ngroups > 128)
			sc->ngroups = 128;
		bpf_loop(128, scan_group_cb, sc, 0);
		if (sc->found == sc->want)
			break;
	}
	return sc->found;
}

/* At the server's entry: the caller's trace context (into st) and where the User-Agent value
 * is (st->aux2, aux3: pointer and length; its bytes are read when the span ends), in one scan
 * of the request's header map. */
static __always_inline void read_request_headers(u64 req, struct entry_state *st)
{
	/* bpf_loop wants its context on the stack */
	struct scan_ctx ctx = {};
	ctx.want = WANT_TRACEPARENT | WANT_USER_AGENT;
	scan_header_map(read_u64(req + off_req_header), &ctx);
	u8 any = 0;
	for (int i = 0; i < 16; i++)
		any |= ctx.trace_id[i];
	if (any) { /* a traceparent that parsed */
		__builtin_memcpy(st->sc.trace_id, ctx.trace_id, 16);
		__builtin_memcpy(st->parent_span_id, ctx.parent_span_id, 8);
		st->has_parent = 1;
		st->parent_remote = 1;
	}
	st->aux2 = ctx.ua_ptr;
	st->aux3 = ctx.ua_len;
}

/* ---- web frameworks' routes: gin's (*Engine).handleHTTPRequest(c *Context) and echo v4's
 * (*Router).Find(method, path string, c Context) route the request; at their RETs the
 * framework's context holds the matched route template (gin: Context.fullPath, echo:
 * context.path, "" when none matched), which becomes the server span's route (its pattern).
 * They run on the goroutine of the server span. */
struct route {
	u64 len;
	char s[PATTERN_MAX];
};

/* The framework context of the routing call in progress, by goroutine. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, u64);
} route_ctx SEC(".maps");

/* The route of the goroutine's open server span. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct route);
} route_of_span SEC(".maps");

static __always_inline int route_enter(struct pt_regs *ctx, u64 fctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k) || !fctx)
		return 0;
	bpf_map_update_elem(&route_ctx, &k, &fctx, BPF_ANY);
	return 0;
}

static __always_inline int route_ret(struct pt_regs *ctx, u64 off)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 *fctx = bpf_map_lookup_elem(&route_ctx, &k);
	if (!fctx)
		return 0;
	struct route r = {};
	READ_GO_STRING(r.s, PATTERN_MAX, *fctx + off, r.len);
	bpf_map_delete_elem(&route_ctx, &k);
	if (r.len)
		bpf_map_update_elem(&route_of_span, &k, &r, BPF_ANY);
	return 0;
}

SEC("uprobe")
int gin_route_enter(struct pt_regs *ctx)
{
	return route_enter(ctx, GO_ARG2(ctx));
}

SEC("uprobe")
int gin_route_ret(struct pt_regs *ctx)
{
	return route_ret(ctx, off_gin_context_fullpath);
}

SEC("uprobe")
int echo_route_enter(struct pt_regs *ctx)
{
	return route_enter(ctx, GO_ARG7(ctx)); /* c's data word: a *context */
}

SEC("uprobe")
int echo_route_ret(struct pt_regs *ctx)
{
	return route_ret(ctx, off_echo_context_path);
}

/* ---- net/http server: serverHandler.ServeHTTP(sh, rw ResponseWriter, req *Request) starts the
 * span; it ends where HTTP/1 or HTTP/2 code calls on once the handler returned (calls are
 * emulated by the kernel, ServeHTTP's RET would be single-stepped). A handler that hijacks an
 * HTTP/1 connection still ends its span there; one that panics does not. ---- */
SEC("uprobe")
int http_server_enter(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 req = GO_ARG4(ctx);
	struct entry_state *old = bpf_map_lookup_elem(&server_state, &k);
	if (old && old->req == req)
		return 0;
	if (bpf_map_lookup_elem(&route_of_span, &k)) /* a previous request's on this goroutine */
		bpf_map_delete_elem(&route_of_span, &k);
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = req;
	st.aux = GO_ARG3(ctx);
	if (have_swiss_headers)
		read_request_headers(req, &st);
	start_span(&k, &st);
	bpf_map_update_elem(&server_state, &k, &st, BPF_ANY);
	return 0;
}

/* Ends the server span of the current goroutine, reading the status from the response writer
 * saved at the entry (an HTTP/1 *response or an HTTP/2 *http2responseWriter). */
static __always_inline int http_server_end(struct pt_regs *ctx, int http2)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &server_state, &k, &st))
		return 0;

	struct struct_views *v = struct_views();
	struct span_event *e = v ? bpf_ringbuf_reserve(&events, sizeof(*e), 0) : 0;
	if (!e)
		return 0;
	__builtin_memset(e, 0, 96);
	e->kind = EVENT_HTTP_SERVER;
	e->pid = k.tgid;
	e->goid = k.goid;
	fill_ids(e, &st);
	u64 req = st.req;
	int req_ok = read_view(v->req, req);
	VIEW_GO_STRING(e->method, METHOD_MAX, v->req, req_ok, req, off_req_method, e->method_len);
	VIEW_GO_STRING(e->host, HOST_MAX, v->req, req_ok, req, off_req_host, e->host_len);
	u64 url = view_u64(v->req, req_ok, req, off_req_url);
	int url_ok = read_view(v->url, url);
	if (url)
		VIEW_GO_STRING(e->path, PATH_MAX_, v->url, url_ok, url, off_url_path, e->path_len);
	if (have_pattern)
		VIEW_GO_STRING(e->pattern, PATTERN_MAX, v->req, req_ok, req, off_req_pattern, e->pattern_len);
	struct route *route = bpf_map_lookup_elem(&route_of_span, &k);
	if (route) { /* a framework's route names the span rather than the ServeMux pattern */
		u64 n = route->len & (PATTERN_MAX - 1);
		__builtin_memcpy(e->pattern, route->s, PATTERN_MAX);
		e->pattern_len = n;
		bpf_map_delete_elem(&route_of_span, &k);
	}
	if (st.aux && !http2)
		e->status = read_u64(st.aux + off_response_status);
	if (st.aux && http2 && have_h2_status) {
		u64 state = read_u64(st.aux + off_h2_writer_state);
		e->status = state ? read_u64(state + off_h2_state_status) : 0;
	}
	e->remote_len = 0;
	e->ua_len = 0;
	e->proto_major = 0;
	e->proto_minor = 0;
	e->tls = 0;
	if (have_req_extras) {
		e->proto_major = view_u64(v->req, req_ok, req, off_req_protomajor);
		e->proto_minor = view_u64(v->req, req_ok, req, off_req_protominor);
		e->tls = view_u64(v->req, req_ok, req, off_req_tls) != 0;
		VIEW_GO_STRING(e->remote, REMOTE_MAX, v->req, req_ok, req, off_req_remoteaddr, e->remote_len);
		if (url)
			VIEW_GO_STRING(e->query, QUERY_MAX, v->url, url_ok, url, off_url_rawquery, e->query_len);
	}
	if (st.aux2 && st.aux3)
		READ_BYTES(e->user_agent, UA_MAX, st.aux2, st.aux3, e->ua_len);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* HTTP/1: (*conn).serve calls c.hijacked() right after ServeHTTP returns (this probe sits on
 * that call). */
SEC("uprobe")
int http_server_ret(struct pt_regs *ctx)
{
	return http_server_end(ctx, 0);
}

/* HTTP/2: runHandler's deferred function calls rw.handlerDone() once the handler returned
 * without panicking (this probe sits on that call). */
SEC("uprobe")
int http2_server_done(struct pt_regs *ctx)
{
	return http_server_end(ctx, 1);
}

/* ---- net/http client: (*Transport).roundTrip(req *Request) (*Response, error) ---- */
SEC("uprobe")
int http_client_enter(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 req = GO_ARG2(ctx);
	struct entry_state *old = bpf_map_lookup_elem(&client_state, &k);
	if (old && old->req == req)
		return 0;
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = req;
	start_span(&k, &st);
	bpf_map_update_elem(&client_state, &k, &st, BPF_ANY);
	return 0;
}

SEC("uprobe")
int http_client_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &client_state, &k, &st))
		return 0;
	u64 resp = GO_ARG1(ctx);
	u64 err_tab = GO_ARG2(ctx);

	struct struct_views *v = struct_views();
	struct span_event *e = v ? bpf_ringbuf_reserve(&events, sizeof(*e), 0) : 0;
	if (!e)
		return 0;
	__builtin_memset(e, 0, 96);
	e->kind = EVENT_HTTP_CLIENT;
	e->pid = k.tgid;
	e->goid = k.goid;
	fill_ids(e, &st);
	e->is_error = err_tab != 0;
	e->remote_len = 0;
	e->ua_len = 0;
	e->proto_major = 0;
	e->proto_minor = 0;
	e->tls = 0;
	if (resp)
		e->status = read_u64(resp + off_resp_statuscode);
	if (resp && have_resp_proto) {
		e->proto_major = read_u64(resp + off_resp_protomajor);
		e->proto_minor = read_u64(resp + off_resp_protominor);
	}
	u64 req = st.req;
	int req_ok = read_view(v->req, req);
	VIEW_GO_STRING(e->method, METHOD_MAX, v->req, req_ok, req, off_req_method, e->method_len);
	VIEW_GO_STRING(e->host, HOST_MAX, v->req, req_ok, req, off_req_host, e->host_len);
	u64 url = view_u64(v->req, req_ok, req, off_req_url);
	if (url) {
		int url_ok = read_view(v->url, url);
		VIEW_GO_STRING(e->scheme, SCHEME_MAX, v->url, url_ok, url, off_url_scheme, e->scheme_len);
		VIEW_GO_STRING(e->url_host, HOST_MAX, v->url, url_ok, url, off_url_host, e->url_host_len);
		VIEW_GO_STRING(e->path, PATH_MAX_, v->url, url_ok, url, off_url_path, e->path_len);
		VIEW_GO_STRING(e->query, QUERY_MAX, v->url, url_ok, url, off_url_rawquery, e->query_len);
	}
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* ---- outgoing traceparent (net/http client, HTTP/1.1) ----
 * The caller's goroutine runs (*persistConn).roundTrip(pc, req) inside the client span; the
 * connection's writeLoop goroutine then writes the request into pc.bw (a *bufio.Writer):
 * request line, Host, User-Agent, then (*transferWriter).writeHeader(t, w, trace) writes the
 * framing headers to w == pc.bw, and the request's own headers follow (t.Header). At
 * writeHeader's entry (a client-side function: servers write responses another way), when
 * the kernel allows bpf_probe_write_user, the header line `traceparent: 00-{trace}-{client
 * span}-01\r\n` is appended to the buffer's pending bytes (buf[n:], n += 70), so it goes out
 * with the other headers. Nothing is written when the request already has a traceparent, when
 * the buffer has no room, or when its pending bytes do not look like a request head; where the
 * kernel refuses the write (lockdown), the same checks run and are only counted. */
#define TRACEPARENT_LINE_LEN 70 /* "traceparent: " + 55 + "\r\n" */

struct bw_key {
	u32 tgid;
	u32 _pad;
	u64 bw;
};

/* The client span whose request is about to be written into a connection's buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bw_key);
	__type(value, struct span_ctx);
} pending_injection SEC(".maps");

/* Counters userspace reports when it detaches (INJECT_* in attach.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INJECT_COUNTERS);
	__type(key, u32);
	__type(value, u64);
} injection_stats SEC(".maps");

static __always_inline void count_injection(u32 what)
{
	u64 *c = bpf_map_lookup_elem(&injection_stats, &what);
	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("uprobe")
int http_conn_roundtrip(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *client = bpf_map_lookup_elem(&client_state, &k);
	if (!client)
		return 0;
	struct bw_key key = {.tgid = k.tgid, .bw = read_u64(GO_ARG1(ctx) + off_persistconn_bw)};
	if (key.bw)
		bpf_map_update_elem(&pending_injection, &key, &client->sc, BPF_ANY);
	return 0;
}

/* Whether header map m has a traceparent (a frame of its own: the scan state is large). */
static __noinline int has_traceparent(u64 m)
{
	struct scan_ctx scan = {};
	scan.want = WANT_TRACEPARENT;
	return scan_header_map(m, &scan);
}

static __always_inline char hex_digit(u8 v)
{
	return v < 10 ? '0' + v : 'a' + v - 10;
}

/* Whether the buffer's n pending bytes look like a request head so far: an upper-case method
 * word first, a line end last. */
static __always_inline int looks_like_request_head(u64 buf, u64 n)
{
	char head[4] = {}, tail[2] = {};
	if (n < 16 || bpf_probe_read_user(head, 4, (void *)buf) || bpf_probe_read_user(tail, 2, (void *)(buf + n - 2)))
		return 0;
	for (int i = 0; i < 3; i++)
		if (head[i] < 'A' || head[i] > 'Z')
			return 0;
	return tail[0] == '\r' && tail[1] == '\n';
}

/* Appends the traceparent line of span sc to the n pending bytes at buf (the bufio.Writer
 * at bw); returns the INJECT_* counter to bump. */
static __noinline u32 write_traceparent(struct span_ctx *sc, u64 buf, u64 n, u64 bw)
{
	char line[TRACEPARENT_LINE_LEN];
	__builtin_memcpy(line, "traceparent: 00-", 16);
	for (int i = 0; i < 16; i++) {
		line[16 + 2 * i] = hex_digit(sc->trace_id[i] >> 4);
		line[17 + 2 * i] = hex_digit(sc->trace_id[i] & 15);
	}
	line[48] = '-';
	for (int i = 0; i < 8; i++) {
		line[49 + 2 * i] = hex_digit(sc->span_id[i] >> 4);
		line[50 + 2 * i] = hex_digit(sc->span_id[i] & 15);
	}
	__builtin_memcpy(line + 65, "-01\r\n", 5);
	if (!inject_traceparent)
		return INJECT_REFUSED;
	/* Verified away at load time unless the kernel allows the helper (inject_traceparent). */
	u64 new_n = n + TRACEPARENT_LINE_LEN;
	if (bpf_probe_write_user((void *)(buf + n), line, TRACEPARENT_LINE_LEN) ||
	    bpf_probe_write_user((void *)(bw + off_bufio_writer_n), &new_n, sizeof(new_n)))
		return INJECT_UNEXPECTED;
	return INJECT_WRITTEN;
}

SEC("uprobe")
int http_header_write(struct pt_regs *ctx)
{
	if (!have_swiss_headers)
		return 0; /* an existing traceparent could not be seen */
	struct bw_key key = {.tgid = bpf_get_current_pid_tgid() >> 32, .bw = GO_ARG3(ctx)};
	struct span_ctx *pending = bpf_map_lookup_elem(&pending_injection, &key);
	if (!pending)
		return 0; /* Response.Write, or a request attach did not start a span for */
	struct span_ctx sc = *pending;
	bpf_map_delete_elem(&pending_injection, &key);
	if (has_traceparent(read_u64(GO_ARG1(ctx) + off_transferwriter_header))) {
		count_injection(INJECT_PRESENT);
		return 0;
	}
	u64 buf = read_u64(key.bw + off_bufio_writer_buf);
	u64 size = read_u64(key.bw + off_bufio_writer_buf + 8);
	u64 n = read_u64(key.bw + off_bufio_writer_n);
	if (!buf || n > size || size - n < TRACEPARENT_LINE_LEN) {
		count_injection(INJECT_NO_ROOM);
		return 0;
	}
	if (!looks_like_request_head(buf, n)) {
		count_injection(INJECT_UNEXPECTED);
		return 0;
	}
	count_injection(write_traceparent(&sc, buf, n, key.bw));
	return 0;
}

/* ---- goroutine ancestry: newproc's closure runs on the system stack (the g register holds
 * g0) and calls newproc1, then runqput(pp, newg, next): probed at that call (an emulated
 * instruction), the new goroutine is the second argument and its creator is still the thread's
 * m.curg. */
SEC("uprobe")
int newproc_runqput(struct pt_regs *ctx)
{
	u64 newg = GO_ARG2(ctx);
	u64 g0 = GO_G(ctx);
	if (!newg || !g0)
		return 0;
	u64 m = read_u64(g0 + off_g_m);
	u64 parent = m ? read_u64(m + off_m_curg) : 0;
	if (!parent || parent == newg)
		return 0;
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct go_key pk = {.tgid = tgid}, ck = {.tgid = tgid};
	if (bpf_probe_read_user(&pk.goid, sizeof(pk.goid), (void *)(parent + off_g_goid)) ||
	    bpf_probe_read_user(&ck.goid, sizeof(ck.goid), (void *)(newg + off_g_goid)))
		return 0;
	struct span_ctx *cur = bpf_map_lookup_elem(&go_ctx, &pk);
	if (cur) {
		struct span_ctx copy = *cur;
		bpf_map_update_elem(&go_ctx, &ck, &copy, BPF_ANY);
	} else if (bpf_map_lookup_elem(&go_ctx, &ck)) {
		/* goids are never reused, but clear any stale entry all the same (a lookup first:
		 * a delete takes the bucket's lock even when there is nothing to delete) */
		bpf_map_delete_elem(&go_ctx, &ck);
	}
	return 0;
}

/* ---- the server a client span talks to, for clients that keep no address we can read
 * (database/sql drivers, redigo): the peer of the TCP socket the span's goroutine writes to
 * while the span runs. A tracepoint at every socket send finds the goroutine from the thread's
 * user registers (the g register) and records the first peer per open span; the span's exit
 * program takes it (aux1 = the IP's 4 or 16 bytes, status = the port). Only processes that
 * started such a span pay more than one map lookup per send. */
#define AF_INET 2
#define AF_INET6 10

struct peer {
	u8 addr[16];
	u16 port;
	u8 len;
	u8 _pad[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct peer);
} span_peer SEC(".maps");

/* Processes with a peer-reading span started, so that the tracepoint skips all others at once. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u8);
} peer_tgids SEC(".maps");

static __always_inline void want_peer(struct go_key *k)
{
	u8 one = 1;
	bpf_map_delete_elem(&span_peer, k);
	if (!bpf_map_lookup_elem(&peer_tgids, &k->tgid))
		bpf_map_update_elem(&peer_tgids, &k->tgid, &one, BPF_ANY);
}

/* Moves the span's peer, if one was seen, into the event. */
static __always_inline void take_peer(struct go_key *k, struct text_event *e)
{
	struct peer *p = bpf_map_lookup_elem(&span_peer, k);
	if (!p)
		return;
	if (p->len == 4 || p->len == 16) {
		__builtin_memcpy(e->aux1, p->addr, 16);
		e->len[1] = p->len;
		e->status = p->port;
	}
	bpf_map_delete_elem(&span_peer, k);
}

/* ---- database/sql: one span per call of the probed methods (see probes.rs); the query comes
 * from the registers or from the prepared statement. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} db_state SEC(".maps");

/* Operations named by build mode rather than by the query's first word (aux3 of the state,
 * written to the event's aux2 as text). */
#define DB_OP_QUERY 0
#define DB_OP_PREPARE 1
#define DB_OP_BEGIN 2
#define DB_OP_COMMIT 3
#define DB_OP_ROLLBACK 4
#define DB_OP_PING 5

/* The cookie of a database/sql entry probe: its link-time address, and in the top byte which
 * receiver the probed method has (the other three keep the *DB in a field). */
#define DB_RECV_DB 0
#define DB_RECV_CONN 1
#define DB_RECV_TX 2
#define DB_RECV_STMT 3
#define DB_COOKIE_ADDR 0x00ffffffffffffffULL

/* Which driver the call goes to, as two link-time code addresses userspace names by their
 * functions (`.gopclntab` survives stripping): the first method (Connect) of the DB's
 * driver.Connector, and, in case that connector is database/sql's own dsnConnector (sql.Open
 * of a driver without OpenConnector), the first method (Open) of the driver.Driver it holds.
 * An itab is {inter, type, hash, fun[]}: fun[0] at 24. */
static __always_inline void db_driver(struct pt_regs *ctx, u64 recv, struct entry_state *st)
{
	if (!have_db_driver || !recv)
		return;
	u64 cookie = bpf_get_attach_cookie(ctx);
	u64 bias = PT_REGS_IP(ctx) - (cookie & DB_COOKIE_ADDR);
	u64 db = recv;
	switch (cookie >> 56) {
	case DB_RECV_CONN: db = read_u64(recv + off_conn_db); break;
	case DB_RECV_TX: db = read_u64(recv + off_tx_db); break;
	case DB_RECV_STMT: db = read_u64(recv + off_stmt_db); break;
	}
	if (!db)
		return;
	u64 itab = read_u64(db + off_db_connector);
	u64 fn = itab ? read_u64(itab + 24) : 0;
	if (!fn)
		return;
	st->code[0] = fn - bias;
	u64 data = read_u64(db + off_db_connector + 8);
	u64 ditab = data ? read_u64(data + off_dsnconnector_driver) : 0;
	u64 dfn = ditab ? read_u64(ditab + 24) : 0;
	if (dfn)
		st->code[1] = dfn - bias;
}

/* Starts the span of one database/sql call on receiver recv with query text (qptr, qlen). */
static __always_inline int db_start(struct pt_regs *ctx, u64 recv, u64 qptr, u64 qlen, u64 op)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *old = bpf_map_lookup_elem(&db_state, &k);
	/* A repeated entry (stack growth) has the same receiver, operation and lengths, but
	 * pointers into the stack moved: refresh them and keep the span. */
	if (old && old->aux2 == recv && old->aux == qlen && old->aux3 == op) {
		old->req = qptr;
		return 0;
	}
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = qptr;
	st.aux = qlen;
	st.aux2 = recv;
	st.aux3 = op;
	db_driver(ctx, recv, &st);
	start_span(&k, &st);
	want_peer(&k);
	bpf_map_update_elem(&db_state, &k, &st, BPF_ANY);
	return 0;
}

#define SET_TEXT(dst, len, lit)                                                     \
	do {                                                                         \
		__builtin_memcpy((dst), lit, sizeof(lit) - 1);                       \
		(len) = sizeof(lit) - 1;                                             \
	} while (0)

/* err_itab: the itab word of the returned error. */
static __always_inline int db_ret(struct pt_regs *ctx, u64 err_itab)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &db_state, &k, &st))
		return 0;
	struct text_event *e = new_text_event(EVENT_DB_QUERY, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	READ_BYTES(e->text, TEXT_MAX, st.req, st.aux, e->len[0]);
	e->count = st.aux; /* the query's full length: userspace knows when it was cut */
	switch (st.aux3) {
	case DB_OP_PREPARE: SET_TEXT(e->aux2, e->len[2], "PREPARE"); break;
	case DB_OP_BEGIN: SET_TEXT(e->aux2, e->len[2], "BEGIN"); break;
	case DB_OP_COMMIT: SET_TEXT(e->aux2, e->len[2], "COMMIT"); break;
	case DB_OP_ROLLBACK: SET_TEXT(e->aux2, e->len[2], "ROLLBACK"); break;
	case DB_OP_PING: SET_TEXT(e->aux2, e->len[2], "PING"); break;
	}
	if (st.code[0]) { /* aux3: the driver's code addresses, not text */
		__builtin_memcpy(e->aux3, st.code, sizeof(st.code));
		e->len[3] = sizeof(st.code);
	}
	take_peer(&k, e);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* (*DB|*Conn|*Tx).QueryContext / ExecContext / PrepareContext(ctx, query string, ...):
 * receiver (1), ctx (2, 3), query (4, 5). */
SEC("uprobe")
int db_query_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), GO_ARG4(ctx), GO_ARG5(ctx), DB_OP_QUERY);
}

SEC("uprobe")
int db_prepare_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), GO_ARG4(ctx), GO_ARG5(ctx), DB_OP_PREPARE);
}

/* (*Stmt).QueryContext / ExecContext(ctx, args...): the query is the statement's. */
SEC("uprobe")
int db_stmt_enter(struct pt_regs *ctx)
{
	u64 stmt = GO_ARG1(ctx);
	return db_start(ctx, stmt, read_u64(stmt + off_stmt_query), read_u64(stmt + off_stmt_query + 8), DB_OP_QUERY);
}

/* (*DB|*Conn).BeginTx(ctx, opts), (*Tx).Commit(), (*Tx).rollback(discardConn),
 * (*DB|*Conn).PingContext(ctx): no query text. */
SEC("uprobe")
int db_begin_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_BEGIN);
}

SEC("uprobe")
int db_commit_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_COMMIT);
}

/* The goroutine that watches a transaction's context (awaitDone) rolls it back once it ends,
 * committed or not: no call of the program's, skipped by its return address. Addresses are
 * compared as link-time addresses (the probe's own address gives the load bias of a PIE); the
 * probe sits before the frame is set up, so the return address is still on top of the stack. */
SEC("uprobe")
int db_rollback_enter(struct pt_regs *ctx)
{
	u64 ret = GO_RETURN_ADDRESS(ctx);
	u64 bias = PT_REGS_IP(ctx) - rollback_entry;
	if (ret - bias >= rollback_ignored_lo && ret - bias < rollback_ignored_hi)
		return 0;
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_ROLLBACK);
}

SEC("uprobe")
int db_ping_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_PING);
}

SEC("uprobe")
int db_query_ret(struct pt_regs *ctx)
{
	/* (*Rows | *Stmt | *Tx, error) */
	return db_ret(ctx, GO_ARG2(ctx));
}

SEC("uprobe")
int db_exec_ret(struct pt_regs *ctx)
{
	/* (Result, error) */
	return db_ret(ctx, GO_ARG3(ctx));
}

SEC("uprobe")
int db_error_ret(struct pt_regs *ctx)
{
	/* error */
	return db_ret(ctx, GO_ARG1(ctx));
}

/* ---- go-redis v9: (*baseClient).process(ctx, cmd Cmder) error (or processStartingAt, which
 * newer releases call from an inlined process). Registers: receiver, ctx (2), cmd (itab, data).
 * Every command type embeds baseCmd first, whose args []interface{} holds the command name
 * (a string) first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} redis_state SEC(".maps");

SEC("uprobe")
int redis_process_enter(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 cmd = GO_ARG5(ctx);
	struct entry_state *old = bpf_map_lookup_elem(&redis_state, &k);
	if (old) {
		/* The same command again: a stack growth restarted the function. Another command:
		 * one the client sends while setting up a connection for this one (HELLO, CLIENT
		 * SETINFO), part of this span like in build mode; its RET only undoes the count. */
		if (old->req != cmd && old->aux3 != cmd) {
			old->nested++;
			old->aux3 = cmd;
		}
		return 0;
	}
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = cmd;
	st.aux = GO_ARG1(ctx);
	start_span(&k, &st);
	bpf_map_update_elem(&redis_state, &k, &st, BPF_ANY);
	return 0;
}

SEC("uprobe")
int redis_process_ret(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *p = bpf_map_lookup_elem(&redis_state, &k);
	if (!p)
		return 0;
	if (p->nested) {
		p->nested--;
		p->aux3 = 0;
		return 0;
	}
	struct entry_state st = *p;
	bpf_map_delete_elem(&redis_state, &k);
	end_span(&k, &st);
	u64 err_itab = GO_ARG1(ctx);
	struct text_event *e = new_text_event(EVENT_REDIS, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	u64 args = read_u64(st.req + off_redis_basecmd_args);
	u64 nargs = read_u64(st.req + off_redis_basecmd_args + 8);
	e->count = nargs;
	if (args && nargs > 0) {
		/* args[0] is an interface{}: (type, data); a string's data points at its header. */
		u64 data = read_u64(args + 8);
		if (data) {
			u64 sp = read_u64(data);
			u64 sl = read_u64(data + 8);
			if (sl < 64)
				READ_BYTES(e->text, 64, sp, sl, e->len[0]);
		}
	}
	/* A string-typed first argument (same type word as the name's) is the key: aux3. */
	if (args && nargs > 1) {
		u64 t0 = read_u64(args), t1 = read_u64(args + 16);
		u64 d1 = read_u64(args + 24);
		if (t0 && t0 == t1 && d1)
			READ_GO_STRING(e->aux3, AUX_MAX, d1, e->len[3]);
	}
	/* go-redis errors are mostly proto.RedisError, a string type whose interface data points
	 * at the string: its text tells redis.Nil and the server's error word (aux2). */
	u64 err_data = GO_ARG2(ctx);
	if (err_itab && err_data)
		READ_GO_STRING(e->aux2, AUX_MAX, err_data, e->len[2]);
	bpf_map_delete_elem(&span_peer, &k); /* go-redis has its address: the tracepoint's is unused */
	if (have_redis_addr && st.aux) {
		u64 opt = read_u64(st.aux + off_redis_baseclient_opt);
		if (opt)
			READ_GO_STRING(e->aux1, AUX_MAX, opt + off_redis_options_addr, e->len[1]);
		if (opt && have_redis_db) {
			e->status = read_u64(opt + off_redis_options_db);
			e->has_status = 1;
		}
	}
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* ---- redigo: (*conn).DoWithTimeout(readTimeout, cmd string, args ...interface{})
 * (reply interface{}, err error). Registers: c (1), readTimeout (2), cmd (3, 4), args (5, 6, 7);
 * results: reply (1, 2), err (3, 4). Do calls it, DoContext calls it from a goroutine of its own
 * (which inherits the caller's context). An empty cmd only flushes pipelined commands: no span.
 * The server address is the peer of the socket the command is written to (see span_peer). */
#define GO_KIND_MASK 31
#define GO_KIND_STRING 24
#define GO_TYPE_KIND_OFFSET 23 /* abi.Type: Size_, PtrBytes (8 each), Hash (4), TFlag, Align_, FieldAlign_, Kind_ */

/* Whether an interface's type word names a string type (the Kind byte of its abi.Type). */
static __always_inline int is_string_type(u64 type)
{
	u8 kind = 0;
	if (!type || bpf_probe_read_user(&kind, 1, (void *)(type + GO_TYPE_KIND_OFFSET)))
		return 0;
	return (kind & GO_KIND_MASK) == GO_KIND_STRING;
}

SEC("uprobe")
int redigo_do_enter(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 cmd_len = GO_ARG4(ctx);
	if (!cmd_len)
		return 0;
	u64 c = GO_ARG1(ctx);
	struct entry_state *old = bpf_map_lookup_elem(&redis_state, &k);
	if (old && old->req == c)
		return 0; /* the entry probe again after a stack growth restarted the function */
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = c;
	st.aux = GO_ARG3(ctx);
	st.aux2 = (cmd_len & 0xffffffff) | (GO_ARG6(ctx) << 32);
	st.aux3 = GO_ARG5(ctx);
	start_span(&k, &st);
	want_peer(&k);
	bpf_map_update_elem(&redis_state, &k, &st, BPF_ANY);
	return 0;
}

SEC("uprobe")
int redigo_do_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &redis_state, &k, &st))
		return 0;
	struct text_event *e = new_text_event(EVENT_REDIGO, &k, &st);
	if (!e)
		return 0;
	u64 err_itab = GO_ARG3(ctx), err_data = GO_ARG4(ctx);
	e->is_error = err_itab != 0;
	u64 cmd_len = st.aux2 & 0xffffffff, nargs = st.aux2 >> 32;
	e->count = nargs + 1;
	READ_BYTES(e->text, 64, st.aux, cmd_len, e->len[0]);
	/* The first argument is the key when it is a string: aux3. */
	if (st.aux3 && nargs > 0) {
		u64 t0 = read_u64(st.aux3), d0 = read_u64(st.aux3 + 8);
		if (d0 && is_string_type(t0))
			READ_GO_STRING(e->aux3, AUX_MAX, d0, e->len[3]);
	}
	/* redigo's server errors are redis.Error, a string type: its text gives error.type. */
	if (err_itab && err_data && is_string_type(read_u64(err_itab + 8)))
		READ_GO_STRING(e->aux2, AUX_MAX, err_data, e->len[2]);
	take_peer(&k, e);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* ---- grpc ----
 * Client unary:     (*ClientConn).Invoke(ctx, method string, args, reply any, opts...) error
 * Client streaming: (*ClientConn).NewStream(ctx, desc *StreamDesc, method string, opts...)
 *                   (ClientStream, error); the span lasts until (*clientStream).finish(err).
 * Server:           (*Server).processUnaryRPC / processStreamingRPC(ctx, stream *ServerStream,
 *                   ...); the status comes from (*http2Server).writeStatus(s, st *Status) on
 *                   the same goroutine.
 * Status codes: an error returned by grpc is a *internal/status.Error{s *Status}, Status is
 * {s *spb.Status} and spb.Status has Code int32. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} grpc_client_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} grpc_server_state SEC(".maps");

/* Open client streams by *clientStream (finish may run on any goroutine): goid holds the
 * pointer. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} grpc_stream_state SEC(".maps");

/* Code of a *spb.Status pointer's owner *Status; 0 (OK) for a nil one. */
static __always_inline s64 grpc_code_of_status(u64 st)
{
	if (!st)
		return 0;
	u64 spb = read_u64(st + off_grpc_status_s);
	if (!spb)
		return 0;
	s32 code = 2;
	bpf_probe_read_user(&code, sizeof(code), (void *)(spb + off_spb_status_code));
	if (code < 0 || code > 16)
		return 2;
	return code;
}

/* The status code an error stands for: 0 without error, 2 (UNKNOWN) when unreadable. */
static __always_inline s64 grpc_code_of_error(u64 itab, u64 data)
{
	if (!itab)
		return 0;
	if (!have_grpc_code || !data)
		return 2;
	s64 code = grpc_code_of_status(read_u64(data + off_grpc_error_s));
	return code == 0 ? 2 : code;
}

static __always_inline int grpc_client_start(struct pt_regs *ctx, u64 mptr, u64 mlen)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *old = bpf_map_lookup_elem(&grpc_client_state, &k);
	if (old && old->aux2 == GO_ARG1(ctx) && old->aux == mlen) {
		old->req = mptr; /* a repeated entry: the stack (and the string) may have moved */
		return 0;
	}
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = mptr;
	st.aux = mlen;
	st.aux2 = GO_ARG1(ctx); /* *ClientConn */
	start_span(&k, &st);
	bpf_map_update_elem(&grpc_client_state, &k, &st, BPF_ANY);
	return 0;
}

static __always_inline void grpc_client_emit(struct go_key *k, struct entry_state *st, s64 code, u8 failed)
{
	struct text_event *e = new_text_event(EVENT_GRPC_CLIENT, k, st);
	if (!e)
		return;
	e->status = code;
	e->is_error = failed;
	READ_BYTES(e->text, 256, st->req, st->aux, e->len[0]);
	if (have_grpc_target && st->aux2)
		READ_GO_STRING(e->aux1, AUX_MAX, st->aux2 + off_grpc_cc_target, e->len[1]);
	bpf_ringbuf_submit(e, wake_flags());
}

SEC("uprobe")
int grpc_invoke_enter(struct pt_regs *ctx)
{
	return grpc_client_start(ctx, GO_ARG4(ctx), GO_ARG5(ctx));
}

SEC("uprobe")
int grpc_invoke_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &grpc_client_state, &k, &st))
		return 0;
	u64 itab = GO_ARG1(ctx);
	grpc_client_emit(&k, &st, grpc_code_of_error(itab, GO_ARG2(ctx)), itab != 0);
	return 0;
}

SEC("uprobe")
int grpc_newstream_enter(struct pt_regs *ctx)
{
	return grpc_client_start(ctx, GO_ARG5(ctx), GO_ARG6(ctx));
}

SEC("uprobe")
int grpc_newstream_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &grpc_client_state, &k, &st))
		return 0;
	u64 cs = GO_ARG2(ctx);
	u64 err_itab = GO_ARG3(ctx);
	if (err_itab || !cs) {
		grpc_client_emit(&k, &st, grpc_code_of_error(err_itab, GO_ARG4(ctx)), 1);
		return 0;
	}
	st.aux3 = k.goid;
	struct go_key sk = {.tgid = k.tgid, .goid = cs};
	bpf_map_update_elem(&grpc_stream_state, &sk, &st, BPF_ANY);
	return 0;
}

/* (*clientStream).finish(err error): io.EOF means success. */
SEC("uprobe")
int grpc_stream_finish(struct pt_regs *ctx)
{
	struct go_key sk = {.tgid = bpf_get_current_pid_tgid() >> 32, .goid = GO_ARG1(ctx)};
	struct entry_state *p = bpf_map_lookup_elem(&grpc_stream_state, &sk);
	if (!p)
		return 0;
	struct entry_state st = *p;
	bpf_map_delete_elem(&grpc_stream_state, &sk);
	u64 itab = GO_ARG2(ctx), data = GO_ARG3(ctx);
	if (itab && data) {
		/* *errors.errorString{s string} "EOF": the stream ended normally. */
		u64 sp = read_u64(data), sl = read_u64(data + 8);
		char eof[4] = {};
		if (sl == 3 && !bpf_probe_read_user(eof, 3, (void *)sp) && eof[0] == 'E' && eof[1] == 'O' && eof[2] == 'F')
			itab = 0;
	}
	struct go_key k = {.tgid = sk.tgid, .goid = st.aux3};
	grpc_client_emit(&k, &st, grpc_code_of_error(itab, data), itab != 0);
	return 0;
}

SEC("uprobe")
int grpc_server_enter(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 stream = GO_ARG4(ctx);
	struct entry_state *old = bpf_map_lookup_elem(&grpc_server_state, &k);
	if (old && old->req == stream)
		return 0;
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = stream;
	start_span(&k, &st);
	bpf_map_update_elem(&grpc_server_state, &k, &st, BPF_ANY);
	return 0;
}

/* (*http2Server).writeStatus(s *ServerStream, st *Status), called through an interface (so
 * never inlined, unlike ServerStream.WriteStatus): remember the code (+1, so 0 means none). */
SEC("uprobe")
int grpc_server_write_status(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *p = bpf_map_lookup_elem(&grpc_server_state, &k);
	if (!p || p->req != GO_ARG2(ctx))
		return 0;
	if (!have_grpc_code) {
		p->aux3 = 1;
		return 0;
	}
	p->aux3 = grpc_code_of_status(GO_ARG3(ctx)) + 1;
	return 0;
}

SEC("uprobe")
int grpc_server_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &grpc_server_state, &k, &st))
		return 0;
	struct text_event *e = new_text_event(EVENT_GRPC_SERVER, &k, &st);
	if (!e)
		return 0;
	/* The status written to the client decides; processUnaryRPC's own error result also
	 * carries application errors, so it is not used. No status seen: unknown (-1). */
	e->status = st.aux3 ? (s64)st.aux3 - 1 : -1;
	READ_GO_STRING(e->text, 256, st.req + off_grpc_serverstream_stream + off_grpc_stream_method, e->len[0]);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* ---- segmentio/kafka-go ----
 * Writer: (*Writer).WriteMessages(ctx, msgs ...Message) error: receiver, ctx (2), msgs (3).
 * Reader: (*Reader).FetchMessage(ctx) (Message, error) (ReadMessage calls it); the Message
 *         result is on the stack, the error in the first two result registers. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} kafka_state SEC(".maps");

/* obj: the receiver (identifies a repeated entry); aux: a pointer that may be into the stack
 * (refreshed on a repeated entry); aux2: a count. */
static __always_inline int kafka_start(struct pt_regs *ctx, u64 obj, u64 aux, u64 aux2)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *old = bpf_map_lookup_elem(&kafka_state, &k);
	if (old && old->req == obj && old->aux2 == aux2) {
		old->aux = aux;
		return 0;
	}
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = obj;
	st.aux = aux;
	st.aux2 = aux2;
	start_span(&k, &st);
	bpf_map_update_elem(&kafka_state, &k, &st, BPF_ANY);
	return 0;
}

SEC("uprobe")
int kafka_write_enter(struct pt_regs *ctx)
{
	return kafka_start(ctx, GO_ARG1(ctx), GO_ARG4(ctx), GO_ARG5(ctx));
}

SEC("uprobe")
int kafka_write_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &kafka_state, &k, &st))
		return 0;
	u64 err_itab = GO_ARG1(ctx);
	struct text_event *e = new_text_event(EVENT_KAFKA_SEND, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	e->count = st.aux2;
	READ_GO_STRING(e->text, 256, st.req + off_kafka_writer_topic, e->len[0]);
	if (!e->len[0] && st.aux && st.aux2)
		READ_GO_STRING(e->text, 256, st.aux + off_kafka_message_topic, e->len[0]);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

SEC("uprobe")
int kafka_fetch_enter(struct pt_regs *ctx)
{
	return kafka_start(ctx, GO_ARG1(ctx), 0, 0);
}

SEC("uprobe")
int kafka_fetch_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &kafka_state, &k, &st))
		return 0;
	u64 err_itab = GO_ARG1(ctx);
	struct text_event *e = new_text_event(EVENT_KAFKA_RECV, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	u64 cfg = st.req + off_kafka_reader_config;
	READ_GO_STRING(e->text, 256, cfg + off_kafka_readercfg_topic, e->len[0]);
	if (have_kafka_group)
		READ_GO_STRING(e->aux1, AUX_MAX, cfg + off_kafka_readercfg_group, e->len[1]);
	if (have_kafka_brokers) {
		u64 brokers = read_u64(cfg + off_kafka_readercfg_brokers);
		u64 n = read_u64(cfg + off_kafka_readercfg_brokers + 8);
		if (brokers && n)
			READ_GO_STRING(e->aux2, AUX_MAX, brokers, e->len[2]);
	}
	e->count = -1;
	if (have_kafka_partition)
		e->count = (s64)read_u64(cfg + off_kafka_readercfg_partition);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* ---- tracepoint sock_send_length(struct sock *sk, int ret, int flags), at every send on a
 * socket: records the peer of an open database/sql or redigo span of the sending goroutine
 * (see span_peer). A BTF tracepoint: sk is read directly, its field offsets relocated (CO-RE)
 * against the running kernel. The goroutine comes from the user registers saved at syscall
 * entry, whose g register Go's syscall path leaves alone. */
SEC("?tp_btf/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	struct go_key k = {};
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&peer_tgids, &k.tgid))
		return 0;
	struct pt_regs *user = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	u64 g = 0;
	if (!user || bpf_probe_read_kernel(&g, sizeof(g), &GO_G(user)) || !g)
		return 0;
	if (bpf_probe_read_user(&k.goid, sizeof(k.goid), (void *)(g + off_g_goid)))
		return 0;
	if (!bpf_map_lookup_elem(&db_state, &k) && !bpf_map_lookup_elem(&redis_state, &k))
		return 0;
	struct peer p = {};
	u16 family = sk->__sk_common.skc_family;
	p.port = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == AF_INET) {
		__builtin_memcpy(p.addr, &sk->__sk_common.skc_daddr, 4);
		p.len = 4;
	} else if (family == AF_INET6) {
		bpf_probe_read_kernel(p.addr, 16, &sk->__sk_common.skc_v6_daddr);
		p.len = 16;
	} else {
		return 0;
	}
	bpf_map_update_elem(&span_peer, &k, &p, BPF_NOEXIST);
	return 0;
}
