// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* The runtime's goroutine creation: ancestry for every other library (src/libs/goroutines.rs). */
#ifndef AUTOTEL_LIB_GOROUTINES
#define AUTOTEL_LIB_GOROUTINES

/* runtime.g.parentGoid: the creator's goid (Go 1.21+). */
const volatile u64 off_g_parentgoid = 0;

/* The most bytes of runtime.g read to get both ids (G_IDS_WINDOW in src/libs/goroutines.rs,
 * which checks the target's offsets fit). */
#define G_IDS_WINDOW 256

/* The creating goroutine's id and the new one's, both in the new goroutine newg, in one user
 * read; 0 when they cannot be read. */
static __always_inline int goroutine_ids(u64 newg, u64 *parent, u64 *child)
{
	u64 lo = off_g_goid < off_g_parentgoid ? off_g_goid : off_g_parentgoid;
	u64 span = (off_g_goid < off_g_parentgoid ? off_g_parentgoid - off_g_goid : off_g_goid - off_g_parentgoid) + 8;
	u8 w[G_IDS_WINDOW];
	if (span > G_IDS_WINDOW || bpf_probe_read_user(w, span, (void *)(newg + lo)))
		return 0;
	__builtin_memcpy(child, w + (off_g_goid - lo), 8);
	__builtin_memcpy(parent, w + (off_g_parentgoid - lo), 8);
	return *parent != 0 && *parent != *child;
}

/* ---- goroutine ancestry: newproc's closure runs on the system stack and calls newproc1, then
 * runqput(pp, newg, next): probed at that call (an emulated instruction), the new goroutine is
 * the second argument. */
SEC("uprobe")
int newproc_runqput(struct pt_regs *ctx)
{
	u64 newg = GO_ARG2(ctx);
	if (!newg)
		return 0;
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct go_key pk = {.tgid = tgid}, ck = {.tgid = tgid};
	if (!goroutine_ids(newg, &pk.goid, &ck.goid))
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
