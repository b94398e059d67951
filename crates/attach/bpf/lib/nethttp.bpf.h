// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* net/http: server spans (HTTP/1 and HTTP/2 ends), client spans, the incoming traceparent and
 * User-Agent read from Go 1.24+ header maps, and the outgoing traceparent (src/libs/nethttp.rs).
 * The server span's route comes from lib/routes.bpf.h's route_of_span (included first), else
 * from the innermost ServeMux's request (noted in the open span by servemux_find_handler). */
#ifndef AUTOTEL_LIB_NETHTTP
#define AUTOTEL_LIB_NETHTTP

/* ---- configuration, set by userspace before load (the library's module in src/libs/) ---- */
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
const volatile u8 have_pattern = 0;
const volatile u8 have_mux_route = 0; /* the ServeMux probe (servemux_find_handler) is planned */
const volatile u8 have_swiss_headers = 0;

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
	int slot;   /* the claimed scratch slot of group_copy (claim_scratch) */
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

/* A header map's group, copied whole (one user read instead of two per slot). Claimed per-CPU
 * scratch (common.bpf.h): it is larger than a BPF program's stack allows next to the scan's
 * state. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
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
	if (!sc || sc->slot < 0)
		return 0;
	u32 key = sc->slot;
	u8 *g = bpf_map_lookup_elem(&group_copy, &key);
	if (!g || bpf_probe_read_user(g, GROUP_SIZE, (void *)group))
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

/* Scans a header map m (Go 1.24+ swiss tables) for the keys sc->want names, with sc->slot
 * claimed; returns what it found (WANT_* bits). */
static __always_inline int scan_claimed_header_map(u64 m, struct scan_ctx *sc)
{
	if (!m)
		return 0;
	u64 dir_ptr, dir_len;
	if (off_map_dirlen == off_map_dirptr + 8) { /* adjacent (every Go release so far): one read */
		u64 dir[2];
		if (bpf_probe_read_user(dir, sizeof(dir), (void *)(m + off_map_dirptr)))
			return 0;
		dir_ptr = dir[0];
		dir_len = dir[1];
	} else {
		dir_ptr = read_u64(m + off_map_dirptr);
		dir_len = read_u64(m + off_map_dirlen);
	}
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

/* scan_claimed_header_map with a scratch slot claimed for the group copies. */
static __always_inline int scan_header_map(u64 m, struct scan_ctx *sc)
{
	sc->slot = claim_scratch();
	int found = scan_claimed_header_map(m, sc);
	release_scratch(sc->slot);
	return found;
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
	if (old && old->live && old->req == req)
		return 0;
	if (have_routes && bpf_map_lookup_elem(&route_of_span, &k)) /* a previous request's on this goroutine */
		bpf_map_delete_elem(&route_of_span, &k);
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = req;
	st.aux = GO_ARG3(ctx);
	if (have_swiss_headers)
		read_request_headers(req, &st);
	start_span(&k, &st);
	keep_state(&server_state, &k, old, &st);
	return 0;
}

/* ---- the innermost ServeMux's request: (*ServeMux).ServeHTTP(w, r) stores the pattern it
 * matched in r.Pattern, and r is often not the request the server span holds: a middleware's
 * r.WithContext or http.StripPrefix hands the mux a copy, so the server's request keeps the
 * outer mux's pattern, or none. Each ServeHTTP's call of findHandler(r) (an emulated
 * instruction) notes its r in the goroutine's open server span (the innermost mux's last);
 * the span's end reads the pattern from it, as build mode reads the innermost mux's request
 * (go/hooks/nethttp/route.go). By then a copy is garbage (the handler chain that held it has
 * returned), and under load a garbage collection can free it and reuse its memory (seen: 5 of
 * 20,000 requests); so a copy's r.URL is noted too, and its pattern is taken only where r
 * still holds that URL pointer (a copy shares or owns its URL; memory reused by another
 * request holds another's). The server's own request needs neither: the span holds it. Every
 * read is a fault-safe user copy: a reused r spoils nothing but is passed over. */
SEC("uprobe")
int servemux_find_handler(struct pt_regs *ctx)
{
	struct go_key k;
	u64 r = GO_ARG2(ctx); /* findHandler(mux, r) */
	if (!r || !current_goroutine(ctx, &k))
		return 0;
	struct entry_state *st = bpf_map_lookup_elem(&server_state, &k);
	if (!st || !st->live)
		return 0; /* a mux served outside a server span: its route names nothing */
	st->mux_req = r;
	st->mux_url = r == st->req ? 0 : read_u64(r + off_req_url);
	return 0;
}

/* The request whose pattern names the ended span st: the innermost ServeMux's, if it still
 * holds the URL it had then, else 0 (none noted, or its memory was reused). */
static __always_inline u64 mux_request_of(struct entry_state *st)
{
	if (!st->mux_req || st->mux_req == st->req)
		return st->mux_req;
	return st->mux_url && read_u64(st->mux_req + off_req_url) == st->mux_url ? st->mux_req : 0;
}

/* Ends the server span of the current goroutine, reading the status from the response writer
 * saved at the entry (an HTTP/1 *response or an HTTP/2 *http2responseWriter), with the views v
 * of a claimed scratch slot. */
static __always_inline int http_server_end_in(struct pt_regs *ctx, int http2, struct struct_views *v)
{
	struct go_key k;
	struct entry_state st;
	if (!take_kept_span(ctx, &server_state, &k, &st))
		return 0;

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
	/* The route: a framework's (route_of_span), else the pattern of the innermost ServeMux
	 * that matched one, else the server's request's own. */
	u64 mux_req = have_mux_route ? mux_request_of(&st) : 0;
	struct route *route = have_routes ? bpf_map_lookup_elem(&route_of_span, &k) : 0;
	if (route) {
		u64 n = route->len & (PATTERN_MAX - 1);
		__builtin_memcpy(e->pattern, route->s, PATTERN_MAX);
		e->pattern_len = n;
		bpf_map_delete_elem(&route_of_span, &k);
	} else {
		if (mux_req && mux_req != req)
			READ_GO_STRING(e->pattern, PATTERN_MAX, mux_req + off_req_pattern, e->pattern_len);
		if (have_pattern && !e->pattern_len)
			VIEW_GO_STRING(e->pattern, PATTERN_MAX, v->req, req_ok, req, off_req_pattern, e->pattern_len);
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

static __always_inline int http_server_end(struct pt_regs *ctx, int http2)
{
	int slot = claim_scratch();
	int r = http_server_end_in(ctx, http2, struct_views(slot));
	release_scratch(slot);
	return r;
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

/* Ends the client span of the current goroutine, with the views v of a claimed scratch slot. */
static __always_inline int http_client_end_in(struct pt_regs *ctx, struct struct_views *v)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &client_state, &k, &st))
		return 0;
	u64 resp = GO_ARG1(ctx);
	u64 err_tab = GO_ARG2(ctx);

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

SEC("uprobe")
int http_client_ret(struct pt_regs *ctx)
{
	int slot = claim_scratch();
	int r = http_client_end_in(ctx, struct_views(slot));
	release_scratch(slot);
	return r;
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

#endif
