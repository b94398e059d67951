// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* The runtime's goroutine creation: ancestry for every other library (src/libs/goroutines.rs). */
#ifndef AUTOTEL_LIB_GOROUTINES
#define AUTOTEL_LIB_GOROUTINES

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
	struct span_ctx *cur = live_ctx(&pk);
	if (cur) {
		struct span_ctx copy = *cur;
		bpf_map_update_elem(&go_ctx, &ck, &copy, BPF_ANY);
	} else {
		/* goids are never reused, but clear any stale entry all the same (in place: a
		 * delete takes the bucket's lock) */
		struct span_ctx *stale = bpf_map_lookup_elem(&go_ctx, &ck);
		if (stale)
			__builtin_memset(stale, 0, sizeof(*stale));
	}
	return 0;
}

#endif
