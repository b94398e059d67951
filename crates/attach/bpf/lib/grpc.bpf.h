// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* google.golang.org/grpc (src/libs/grpc.rs). */
#ifndef AUTOTEL_LIB_GRPC
#define AUTOTEL_LIB_GRPC

/* ---- configuration, set by userspace before load (the library's module in src/libs/) ---- */
const volatile u64 off_grpc_cc_target = 0;
const volatile u64 off_grpc_error_s = 0;
const volatile u64 off_grpc_status_s = 0;
const volatile u64 off_spb_status_code = 0;
const volatile u64 off_grpc_serverstream_stream = 0;
const volatile u64 off_grpc_stream_method = 0;
const volatile u8 have_grpc_target = 0;
const volatile u8 have_grpc_code = 0;

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

#endif
