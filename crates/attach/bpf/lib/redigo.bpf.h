// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* redigo (src/libs/redigo.rs): uses goredis.bpf.h's redis_state (included first) and
 * peer.bpf.h. */
#ifndef AUTOTEL_LIB_REDIGO
#define AUTOTEL_LIB_REDIGO

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

#endif
