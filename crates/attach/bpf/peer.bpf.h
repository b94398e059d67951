// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Shared by database/sql and redigo (lib/databasesql.bpf.h, lib/redigo.bpf.h); the tracepoint
 * that fills span_peer is in attach.bpf.c, after every library whose state it consults. */
#ifndef AUTOTEL_PEER_BPF_H
#define AUTOTEL_PEER_BPF_H

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


#endif
