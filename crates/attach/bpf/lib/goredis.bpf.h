// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* go-redis v9 (src/libs/goredis.rs). Its state map, redis_state, is shared with redigo. */
#ifndef AUTOTEL_LIB_GOREDIS
#define AUTOTEL_LIB_GOREDIS

/* ---- configuration, set by userspace before load (the library's module in src/libs/) ---- */
const volatile u64 off_redis_basecmd_args = 0;
const volatile u64 off_redis_baseclient_opt = 0;
const volatile u64 off_redis_options_addr = 0;
const volatile u8 have_redis_addr = 0;
const volatile u64 off_redis_options_db = 0;
const volatile u8 have_redis_db = 0;

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

#endif
