// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* gin and echo v4 route templates (src/libs/routes.rs). */
#ifndef AUTOTEL_LIB_ROUTES
#define AUTOTEL_LIB_ROUTES

/* ---- configuration, set by userspace before load (the library's module in src/libs/) ---- */
const volatile u64 off_gin_context_fullpath = 0;
const volatile u64 off_echo_context_path = 0;
/* A route probe is planned: without one route_of_span stays empty, and the server span's
 * programs (lib/nethttp.bpf.h) skip looking into it. */
const volatile u8 have_routes = 0;

/* ---- web frameworks' routes: gin's (*Engine).handleHTTPRequest(c *Context) and echo v4's
 * (*Router).Find(method, path string, c Context) route the request; at their RETs the
 * framework's context holds the matched route template (gin: Context.fullPath, echo:
 * context.path, "" when none matched), which becomes the server span's route (its pattern).
 * They run on the goroutine of the server span. */
struct route {
	u64 len;
	char s[PATTERN_MAX];
};

/* The framework context of the routing call in progress, by goroutine. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, u64);
} route_ctx SEC(".maps");

/* The route of the goroutine's open server span. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct route);
} route_of_span SEC(".maps");

static __always_inline int route_enter(struct pt_regs *ctx, u64 fctx)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k) || !fctx)
		return 0;
	bpf_map_update_elem(&route_ctx, &k, &fctx, BPF_ANY);
	return 0;
}

static __always_inline int route_ret(struct pt_regs *ctx, u64 off)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	u64 *fctx = bpf_map_lookup_elem(&route_ctx, &k);
	if (!fctx)
		return 0;
	struct route r = {};
	READ_GO_STRING(r.s, PATTERN_MAX, *fctx + off, r.len);
	bpf_map_delete_elem(&route_ctx, &k);
	if (r.len)
		bpf_map_update_elem(&route_of_span, &k, &r, BPF_ANY);
	return 0;
}

SEC("uprobe")
int gin_route_enter(struct pt_regs *ctx)
{
	return route_enter(ctx, GO_ARG2(ctx));
}

SEC("uprobe")
int gin_route_ret(struct pt_regs *ctx)
{
	return route_ret(ctx, off_gin_context_fullpath);
}

SEC("uprobe")
int echo_route_enter(struct pt_regs *ctx)
{
	return route_enter(ctx, GO_ARG7(ctx)); /* c's data word: a *context */
}

SEC("uprobe")
int echo_route_ret(struct pt_regs *ctx)
{
	return route_ret(ctx, off_echo_context_path);
}

#endif
