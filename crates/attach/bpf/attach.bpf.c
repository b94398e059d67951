// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* autotel attach: uprobes on Go functions.
 *
 * Go facts these programs rely on (design.md §3):
 * - Register ABI (Go 1.17+ amd64, 1.18+ arm64): integer arguments and results in
 *   RAX, RBX, RCX, RDI, RSI, R8-R11 (amd64) / X0-X7 (arm64); the current g in R14 / X28.
 * - No uretprobes: userspace attaches the *_ret programs as plain uprobes on every RET.
 * - The entry probe can fire twice for one call (the stack-growth prologue restarts the
 *   function): entry handlers do nothing when the goroutine already has state for the same
 *   request pointer. State whose exit is never seen (panic, Goexit) ages out of LRU maps.
 *
 * Struct offsets come from userspace (DWARF or the fallback table) as read-only globals.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "attach.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#if defined(__TARGET_ARCH_x86)
#define GO_ARG1(x) ((x)->ax)
#define GO_ARG2(x) ((x)->bx)
#define GO_ARG3(x) ((x)->cx)
#define GO_ARG4(x) ((x)->di)
#define GO_G(x) ((x)->r14)
#elif defined(__TARGET_ARCH_arm64)
#define GO_ARG1(x) ((x)->regs[0])
#define GO_ARG2(x) ((x)->regs[1])
#define GO_ARG3(x) ((x)->regs[2])
#define GO_ARG4(x) ((x)->regs[3])
#define GO_G(x) ((x)->regs[28])
#endif

_Static_assert(sizeof(struct span_event) == SPAN_EVENT_SIZE, "span_event layout");

/* ---- configuration, set by userspace before load ---- */
const volatile u64 off_g_goid = 0;
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
const volatile u64 off_resp_statuscode = 0;
const volatile u64 off_map_dirptr = 0;
const volatile u64 off_map_dirlen = 0;
const volatile u64 off_table_groups = 0;
const volatile u64 off_groupsref_data = 0;
const volatile u64 off_groupsref_mask = 0;
const volatile u8 have_pattern = 0;
const volatile u8 have_swiss_headers = 0;
/* Wake the reader only once this much data is waiting (batched wake-ups); userspace also
 * drains the ring on a short timer, so a quiet period never strands events. */
const volatile u64 wakeup_bytes = 32 * 1024;

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
	u8 _pad[5];
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

/* runtime.newproc1 runs on the system stack (g0), so its entry and exit are matched by
 * thread, not goroutine. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u64);
} newproc_parent SEC(".maps");

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
#define READ_GO_STRING(dst, size, addr, out_len)                                   \
	do {                                                                         \
		u64 __p = read_u64(addr);                                            \
		u64 __n = read_u64((addr) + 8);                                      \
		if (__n > (size)-1)                                                  \
			__n = (size)-1;                                              \
		__n &= (size)-1;                                                     \
		(out_len) = 0;                                                       \
		if (__p && __n && !bpf_probe_read_user((dst), __n, (void *)__p))     \
			(out_len) = __n;                                             \
	} while (0)

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

static __always_inline int wake_flags(void)
{
	u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
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

static __always_inline void fill_ids(struct span_event *e, struct entry_state *st)
{
	__builtin_memcpy(e->trace_id, st->sc.trace_id, 16);
	__builtin_memcpy(e->span_id, st->sc.span_id, 8);
	__builtin_memcpy(e->parent_span_id, st->parent_span_id, 8);
	e->has_parent = st->has_parent;
	e->parent_remote = st->parent_remote;
	e->start_ns = st->start_ns;
	e->end_ns = bpf_ktime_get_ns();
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

static __noinline int parse_traceparent(const char *s, struct entry_state *st)
{
	/* 00-<32 hex trace id>-<16 hex span id>-<2 hex flags> */
	if (s[0] != '0' || s[1] != '0' || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return 0;
	u8 acc = 0;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(s[3 + 2 * i]), lo = hexval(s[4 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		st->sc.trace_id[i] = (hi << 4) | lo;
		acc |= st->sc.trace_id[i];
	}
	if (!acc)
		return 0;
	acc = 0;
	for (int i = 0; i < 8; i++) {
		int hi = hexval(s[36 + 2 * i]), lo = hexval(s[37 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		st->parent_span_id[i] = (hi << 4) | lo;
		acc |= st->parent_span_id[i];
	}
	return acc != 0;
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

struct scan_ctx {
	u64 groups;
	u64 ngroups;
	struct entry_state *st;
	int found;
	char buf[64];
};

static __noinline int scan_group(u64 group, struct scan_ctx *sc)
{
	u64 ctrl = read_u64(group);
	for (int s = 0; s < 8; s++) {
		if ((ctrl >> (8 * s)) & 0x80)
			continue;
		u64 slot = group + 8 + s * SLOT_SIZE;
		u64 kptr = read_u64(slot);
		u64 klen = read_u64(slot + 8);
		if (klen != 11 || !kptr)
			continue;
		if (bpf_probe_read_user(sc->buf, 11, (void *)kptr))
			continue;
		if (!is_traceparent_key(sc->buf))
			continue;
		u64 vals = read_u64(slot + 16);
		u64 nvals = read_u64(slot + 24);
		if (!vals || nvals < 1)
			return 0;
		u64 vptr = read_u64(vals);
		u64 vlen = read_u64(vals + 8);
		if (vlen != TRACEPARENT_LEN || !vptr)
			return 0;
		if (bpf_probe_read_user(sc->buf, TRACEPARENT_LEN, (void *)vptr))
			return 0;
		return parse_traceparent(sc->buf, sc->st);
	}
	return 0;
}

static long scan_group_cb(u64 i, void *data)
{
	struct scan_ctx *sc = data;
	if (i >= sc->ngroups)
		return 1;
	if (scan_group(sc->groups + i * GROUP_SIZE, sc)) {
		sc->found = 1;
		return 1;
	}
	return 0;
}

static __always_inline int read_traceparent(u64 req, struct entry_state *st)
{
	/* bpf_loop wants its context on the stack */
	struct scan_ctx ctx = {};
	struct scan_ctx *sc = &ctx;
	sc->st = st;
	u64 m = read_u64(req + off_req_header);
	if (!m)
		return 0;
	u64 dir_ptr = read_u64(m + off_map_dirptr);
	u64 dir_len = read_u64(m + off_map_dirlen);
	if (!dir_ptr)
		return 0;
	if (dir_len == 0) /* small map: a single group */
		return scan_group(dir_ptr, sc);
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
		if (sc->found)
			return 1;
	}
	return 0;
}

/* ---- net/http server: serverHandler.ServeHTTP(sh, rw ResponseWriter, req *Request) ---- */
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
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = req;
	st.aux = GO_ARG3(ctx);
	if (have_swiss_headers && read_traceparent(req, &st)) {
		st.has_parent = 1;
		st.parent_remote = 1;
	}
	start_span(&k, &st);
	bpf_map_update_elem(&server_state, &k, &st, BPF_ANY);
	return 0;
}

SEC("uprobe")
int http_server_ret(struct pt_regs *ctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *p = bpf_map_lookup_elem(&server_state, &k);
	if (!p)
		return 0;
	struct entry_state st = *p;
	bpf_map_delete_elem(&server_state, &k);
	end_span(&k, &st);

	struct span_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, 96);
	e->kind = EVENT_HTTP_SERVER;
	e->pid = k.tgid;
	e->goid = k.goid;
	fill_ids(e, &st);
	u64 req = st.req;
	READ_GO_STRING(e->method, METHOD_MAX, req + off_req_method, e->method_len);
	READ_GO_STRING(e->host, HOST_MAX, req + off_req_host, e->host_len);
	u64 url = read_u64(req + off_req_url);
	if (url)
		READ_GO_STRING(e->path, PATH_MAX_, url + off_url_path, e->path_len);
	if (have_pattern)
		READ_GO_STRING(e->pattern, PATTERN_MAX, req + off_req_pattern, e->pattern_len);
	if (st.aux)
		e->status = read_u64(st.aux + off_response_status);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
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
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *p = bpf_map_lookup_elem(&client_state, &k);
	if (!p)
		return 0;
	struct entry_state st = *p;
	bpf_map_delete_elem(&client_state, &k);
	end_span(&k, &st);
	u64 resp = GO_ARG1(ctx);
	u64 err_tab = GO_ARG2(ctx);

	struct span_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, 96);
	e->kind = EVENT_HTTP_CLIENT;
	e->pid = k.tgid;
	e->goid = k.goid;
	fill_ids(e, &st);
	e->is_error = err_tab != 0;
	if (resp)
		e->status = read_u64(resp + off_resp_statuscode);
	u64 req = st.req;
	READ_GO_STRING(e->method, METHOD_MAX, req + off_req_method, e->method_len);
	READ_GO_STRING(e->host, HOST_MAX, req + off_req_host, e->host_len);
	u64 url = read_u64(req + off_req_url);
	if (url) {
		READ_GO_STRING(e->scheme, SCHEME_MAX, url + off_url_scheme, e->scheme_len);
		READ_GO_STRING(e->url_host, HOST_MAX, url + off_url_host, e->url_host_len);
		READ_GO_STRING(e->path, PATH_MAX_, url + off_url_path, e->path_len);
		READ_GO_STRING(e->query, QUERY_MAX, url + off_url_rawquery, e->query_len);
	}
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* ---- goroutine ancestry: runtime.newproc1(fn, callergp *g, ...) *g ---- */
SEC("uprobe")
int newproc1_enter(struct pt_regs *ctx)
{
	u64 callergp = GO_ARG2(ctx);
	if (!callergp)
		return 0;
	u64 goid = 0;
	if (bpf_probe_read_user(&goid, sizeof(goid), (void *)(callergp + off_g_goid)))
		return 0;
	u64 tid = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&newproc_parent, &tid, &goid, BPF_ANY);
	return 0;
}

SEC("uprobe")
int newproc1_ret(struct pt_regs *ctx)
{
	u64 tid = bpf_get_current_pid_tgid();
	u64 *parent = bpf_map_lookup_elem(&newproc_parent, &tid);
	if (!parent)
		return 0;
	struct go_key pk = {.tgid = tid >> 32, .goid = *parent};
	bpf_map_delete_elem(&newproc_parent, &tid);
	u64 newg = GO_ARG1(ctx);
	if (!newg)
		return 0;
	struct go_key ck = {.tgid = tid >> 32};
	if (bpf_probe_read_user(&ck.goid, sizeof(ck.goid), (void *)(newg + off_g_goid)))
		return 0;
	struct span_ctx *cur = bpf_map_lookup_elem(&go_ctx, &pk);
	if (cur) {
		struct span_ctx copy = *cur;
		bpf_map_update_elem(&go_ctx, &ck, &copy, BPF_ANY);
	} else {
		/* goids are never reused, but clear any stale entry all the same */
		bpf_map_delete_elem(&go_ctx, &ck);
	}
	return 0;
}
