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
 *
 * One compilation unit, loaded once: common.bpf.h (shared helpers and maps), then one header per
 * library under lib/ (its read-only configuration, maps and programs; its userspace half is
 * src/libs/<library>.rs), then the socket tracepoint that serves several of them. Adding a
 * library: write lib/<library>.bpf.h and include it below. The include order matters only where
 * a header says it uses another's map.
 */
#include "common.bpf.h"
#include "peer.bpf.h"
#include "lib/routes.bpf.h"
#include "lib/nethttp.bpf.h"
#include "lib/goroutines.bpf.h"
#include "lib/databasesql.bpf.h"
#include "lib/goredis.bpf.h"
#include "lib/redigo.bpf.h"
#include "lib/grpc.bpf.h"
#include "lib/kafkago.bpf.h"

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