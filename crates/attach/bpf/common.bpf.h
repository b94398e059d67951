// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* What every library's programs share (included first by attach.bpf.c): the Go register ABI,
 * the goroutine key and span context maps, span start/end, the ring buffer and its batched
 * wake-ups, per-CPU struct views and the text-event constructor. Library code lives in
 * lib/<library>.bpf.h and is never referenced from here. */
#ifndef AUTOTEL_COMMON_BPF_H
#define AUTOTEL_COMMON_BPF_H

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
/* At entry and at a RET the stack-assigned arguments, then results, start past the return address. */
#define GO_STACK_ARGS(x) ((x)->sp + 8)
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
/* At entry and at a RET the stack-assigned arguments, then results, start past the word at 0(RSP). */
#define GO_STACK_ARGS(x) ((x)->sp + 8)
#endif

_Static_assert(sizeof(struct span_event) == SPAN_EVENT_SIZE, "span_event layout");
_Static_assert(sizeof(struct text_event) == TEXT_EVENT_SIZE, "text_event layout");
_Static_assert(__builtin_offsetof(struct text_event, text) == 96, "text_event header");

/* Never read: they put the event layouts and kinds into the object's BTF, from which
 * libbpf-cargo generates the Rust types src/event.rs decodes with (2.7 KB of .rodata, no
 * instruction). */
const volatile struct span_event layout_span_event = {};
const volatile struct text_event layout_text_event = {};
const volatile enum event_kind layout_event_kind = EVENT_KIND_END;

/* ---- configuration, set by userspace before load ---- */
const volatile u64 off_g_goid = 0;
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
	u8 live;   /* kept states (keep_state): the span is open; 0 once take_kept_span ended it */
	u8 _pad[3];
	u64 aux2; /* kind-specific: string lengths, pointers */
	u64 aux3;
	union {
		u64 code[2]; /* database/sql: the driver's code addresses (db_driver) */
		struct {     /* net/http server: the innermost ServeMux's request (servemux_find_handler) */
			u64 mux_req;
			u64 mux_url; /* mux_req's URL pointer then; 0 when mux_req is the server's own request */
		};
	};
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

/* Span and trace ids: splitmix64 over a per-CPU state seeded once from the kernel's prandom.
 * Its per-CPU array lookup is inlined by the verifier, where bpf_get_prandom_u32 is a helper
 * call per four bytes (six per root span; each call costs about as much as a user read). The
 * state advances by an atomic add: a uprobe program can be preempted (it only keeps its CPU),
 * and two programs on one CPU must still draw different states; the output function is a
 * bijection, so different states give different ids. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} id_state SEC(".maps");

#define SPLITMIX64_GAMMA 0x9e3779b97f4a7c15ULL

static __always_inline u64 splitmix64(u64 *state)
{
	u64 z = __sync_fetch_and_add(state, SPLITMIX64_GAMMA) + SPLITMIX64_GAMMA;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Fills dst[n], n 8 or 16, with random bytes. */
static __always_inline void random_bytes(u8 *dst, int n)
{
	u32 zero = 0;
	u64 *state = bpf_map_lookup_elem(&id_state, &zero);
	if (!state)
		return;
	if (!*state)
		*state = ((u64)bpf_get_prandom_u32() << 32 | bpf_get_prandom_u32()) ^ bpf_ktime_get_ns();
#pragma unroll
	for (int i = 0; i < 16; i += 8) {
		if (i >= n)
			break;
		u64 r = splitmix64(state);
		__builtin_memcpy(dst + i, &r, 8);
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

/* A goroutine's entry in go_ctx stays when its last span ends, cleared (span id zero, which no
 * span has): a connection's goroutine then starts and ends span after span by writing in place,
 * where an update would take a fresh LRU element and a delete the bucket's lock each time. */
static __always_inline int ctx_live(const struct span_ctx *c)
{
	u64 id;
	__builtin_memcpy(&id, c->span_id, 8);
	return id != 0;
}

/* Goroutine k's current context, or NULL when it has none (no entry, or a cleared one). */
static __always_inline struct span_ctx *live_ctx(struct go_key *k)
{
	struct span_ctx *c = bpf_map_lookup_elem(&go_ctx, k);
	return c && ctx_live(c) ? c : 0;
}

/* Makes sc goroutine k's context; cur is its entry in go_ctx (NULL: none), written over in
 * place: an LRU map's update takes a fresh element and frees the old one, each under a lock. */
static __always_inline void put_ctx(struct go_key *k, struct span_ctx *cur, struct span_ctx *sc)
{
	if (cur)
		*cur = *sc;
	else
		bpf_map_update_elem(&go_ctx, k, sc, BPF_ANY);
}

/* Starts a span in goroutine k: picks the parent (remote, else the goroutine's current
 * context), makes ids, and installs the new span as the goroutine's context. */
static __always_inline void start_span(struct go_key *k, struct entry_state *st)
{
	struct span_ctx *cur = bpf_map_lookup_elem(&go_ctx, k);
	int live = cur && ctx_live(cur);
	if (live) {
		st->prev = *cur;
		st->had_prev = 1;
	}
	if (!st->has_parent && live) {
		__builtin_memcpy(st->sc.trace_id, cur->trace_id, 16);
		__builtin_memcpy(st->parent_span_id, cur->span_id, 8);
		st->has_parent = 1;
	}
	if (!st->has_parent)
		random_bytes(st->sc.trace_id, 16);
	random_bytes(st->sc.span_id, 8);
	if (!ctx_live(&st->sc)) /* a zero span id means "cleared" (and is not a valid id) */
		st->sc.span_id[0] = 1;
	put_ctx(k, cur, &st->sc);
}

/* Restores the goroutine's context after a span ends: the one it had before, else a cleared
 * entry (see ctx_live). */
static __always_inline void end_span(struct go_key *k, struct entry_state *st)
{
	struct span_ctx *cur = bpf_map_lookup_elem(&go_ctx, k);
	if (st->had_prev)
		put_ctx(k, cur, &st->prev);
	else if (cur)
		__builtin_memset(cur, 0, sizeof(*cur));
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

/* Span state kept across a goroutine's spans (the server's: one connection's goroutine serves
 * request after request). Where take_span deletes the entry and the next entry probe inserts one
 * (an LRU update and a delete per span, each taking locks), a kept entry is written over in place
 * and marked ended: old is the goroutine's entry in `state` (NULL: none yet). Entries of
 * goroutines that are gone age out of the LRU map. */
static __always_inline void keep_state(void *state, struct go_key *k, struct entry_state *old, struct entry_state *st)
{
	st->live = 1;
	if (old)
		*old = *st;
	else
		bpf_map_update_elem(state, k, st, BPF_ANY);
}

/* take_span for a map of kept states (keep_state): the entry stays, marked ended. */
static __always_inline int take_kept_span(struct pt_regs *ctx, void *state, struct go_key *k, struct entry_state *st)
{
	if (!current_goroutine(ctx, k))
		return 0;
	struct entry_state *p = bpf_map_lookup_elem(state, k);
	if (!p || !p->live)
		return 0;
	*st = *p;
	p->live = 0;
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

/* ---- per-CPU scratch, claimed: buffers too large for a program's stack live in per-CPU
 * arrays of SCRATCH_SLOTS entries. A uprobe program keeps its CPU but can be preempted (a
 * preemptible kernel's rcu_read_lock), and a program run on that CPU in between must not write
 * the same bytes, so each program claims a slot (an atomic compare-and-swap on this CPU's
 * claims) for as long as it uses one and releases it after. Every slot taken (programs
 * preempted four deep on one CPU) reads as a failed lookup. */
#define SCRATCH_SLOTS 4 /* a power of two */

struct scratch_claims {
	u64 taken[SCRATCH_SLOTS]; /* 64-bit: the BPF target's atomics without alu32 */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch_claims);
} scratch_claims SEC(".maps");

/* A free slot of this CPU's scratch, now the caller's; -1 when none is free. */
static __always_inline int claim_scratch(void)
{
	u32 zero = 0;
	struct scratch_claims *c = bpf_map_lookup_elem(&scratch_claims, &zero);
	if (!c)
		return -1;
	for (int i = 0; i < SCRATCH_SLOTS; i++)
		if (__sync_val_compare_and_swap(&c->taken[i], 0, 1) == 0)
			return i;
	return -1;
}

static __always_inline void release_scratch(int slot)
{
	u32 zero = 0;
	struct scratch_claims *c = bpf_map_lookup_elem(&scratch_claims, &zero);
	if (c && slot >= 0) /* the mask bounds the index for the verifier */
		__sync_fetch_and_and(&c->taken[slot & (SCRATCH_SLOTS - 1)], 0);
}

/* ---- one read per struct: the span-ending programs copy the leading bytes of the
 * *http.Request and its *url.URL into a scratch view and take their fields from it (each
 * bpf_probe_read_user is a fault-safe user copy of its own; a server span read a dozen words
 * one by one). A field past the view (a later Go release's layout) is read from the target as
 * before. Offsets are read-only globals, so the verifier resolves these branches. */
#define VIEW_BYTES 256

struct struct_views {
	u8 req[VIEW_BYTES];
	u8 url[VIEW_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
	__type(key, u32);
	__type(value, struct struct_views);
} views SEC(".maps");

/* The views of a claimed scratch slot; NULL for -1. */
static __always_inline struct struct_views *struct_views(int slot)
{
	u32 key = slot;
	return slot < 0 ? 0 : bpf_map_lookup_elem(&views, &key);
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


#endif
