// Package gls is autotel's goroutine-local context: one slot per goroutine,
// added to runtime.g by rules/runtime.yaml, that holds the context of the span
// current on that goroutine. It is what lets a call made without a
// context.Context (http.Get(url), a Redis command, a log line) join the trace
// of the request being served.
//
// The slot is reached through accessors that a file added to package runtime
// registers at start-up (registerAccessor, pulled from there with
// //go:linkname). Without instrumented runtime (unit tests, a plain go build)
// nothing is registered: [Available] is false, [Current] is nil and [Enter]
// does nothing, and callers still work.
//
// The runtime side copies the creating goroutine's slot into every new
// goroutine (runtime.newproc1) and clears it when a goroutine exits
// (runtime.gdestroy), since g structures are recycled. So a goroutine started
// while a span is current sees that span as its parent, and a goroutine
// started outside any span sees none, whatever g it runs on.
//
// What a slot holds is a *Scope: a context (fixed at Enter, unless
// [Scope.Rebind] replaces it when a span took the place of the one it carried)
// plus a link to the scope it replaced, so that [Scope.Exit] restores it. The chain is bounded
// by [MaxDepth]: a goroutine that enters spans and never exits them cannot
// grow memory without limit.
//
// The slot is only ever read and written with atomic operations from Go
// code. A g is recycled: the slot a goroutine last wrote is next read by an
// unrelated goroutine that runs on the same g, and the runtime's own
// clearing (gdestroy) and copying (newproc1) are invisible to the race
// detector. Atomic accesses are synchronisation for it (and for the memory
// model), so they neither race with each other nor leave a Scope's fields,
// written before the store that publishes the Scope, unordered with the
// reads of a goroutine that loads it. On amd64 and arm64 a load is a plain
// load; only Enter and Exit pay for a store.
//
// This package knows nothing about tracing; autotel.dev/go/api builds spans on
// top of it. It must not import anything but the standard library.
package gls

import (
	"context"
	"sync/atomic"
	"unsafe"
)

// MaxDepth is how many scopes may be nested on one goroutine. An Enter beyond
// it returns a scope that does not become current (its context is not
// stored), so a goroutine that leaks scopes keeps at most MaxDepth scopes.
const MaxDepth = 64

// accessor returns the address of the current goroutine's slot and the
// goroutine's id (runtime.g.goid, never reused). It is set, before any user
// code runs, by the init of the file that rules/runtime.yaml adds to package
// runtime; nil when the runtime is not instrumented.
//
// It has no initializer on purpose: runtime's init runs before this
// package's, and an initializer would erase what runtime registered.
var accessor func() (*unsafe.Pointer, uint64)

// registerAccessor is pulled by the file added to package runtime
// (//go:linkname to autotel.dev/go/gls.registerAccessor). It runs during
// runtime's init, on the main goroutine, before any other goroutine exists.
func registerAccessor(f func() (*unsafe.Pointer, uint64)) {
	accessor = f
}

// Available reports whether the runtime is instrumented, that is whether
// goroutine-local context works in this program.
func Available() bool { return accessor != nil }

// Scope is one Enter, to be exited once; it is also what a slot points to.
// ctx, prev, owner and depth never change after Enter; ended is set once by
// Exit; rebound is set by [Scope.Rebind]. A nil *Scope is valid and does
// nothing.
type Scope struct {
	ctx   context.Context
	prev  *Scope // the scope this one replaced, nil for the outermost
	owner uint64 // goid of the goroutine that entered it
	depth int32  // number of scopes in the chain below this one
	tag   uint8  // the caller's, given to EnterIn; 0 for Enter
	ended atomic.Bool
	// rebound, when set, replaces ctx and tag (Rebind). Atomic: goroutines
	// that inherited the scope read it while its owner rebinds it.
	rebound atomic.Pointer[rebinding]
}

// rebinding is the context and tag a [Scope.Rebind] gave a scope.
type rebinding struct {
	ctx context.Context
	tag uint8
}

// current returns the scope's context and tag, as rebound if it was.
func (s *Scope) current() (context.Context, uint8) {
	if b := s.rebound.Load(); b != nil {
		return b.ctx, b.tag
	}
	return s.ctx, s.tag
}

// Current returns the context current on this goroutine: the innermost scope
// this goroutine entered and has not exited, or else the one current in the
// goroutine that created it when it was created. It is nil when there is none
// or the runtime is not instrumented.
//
// A scope inherited from the creating goroutine stays current even after its
// creator exits it: work handed to a goroutine belongs to the trace that
// started it. Scopes that this goroutine entered and another goroutine exited
// are skipped.
func Current() context.Context {
	if accessor == nil {
		return nil
	}
	slot, id := accessor()
	if r := live(load(slot), id); r != nil {
		ctx, _ := r.current()
		return ctx
	}
	return nil
}

// live skips the scopes at the head of the chain that goroutine id entered
// and that have been exited (possibly out of order or by another goroutine).
func live(r *Scope, id uint64) *Scope {
	for r != nil && r.owner == id && r.ended.Load() {
		r = r.prev
	}
	return r
}

// Enter makes ctx current on this goroutine until the returned scope's Exit.
// It returns nil when the runtime is not instrumented or ctx is nil. Beyond
// MaxDepth nested scopes ctx does not become current (see [MaxDepth]); the
// scope is still valid.
func Enter(ctx context.Context) *Scope {
	if accessor == nil || ctx == nil {
		return nil
	}
	return enter(&Scope{}, ctx)
}

// EnterIn is [Enter] with the scope in memory the caller provides: r must
// be a zero Scope that is used for nothing else and never copied (a field of
// the caller's own per-call object, which saves an allocation). tag is the
// caller's summary of ctx, returned by [CurrentTag] (0 means none). It
// returns r, or nil (r untouched) when Enter would.
func EnterIn(r *Scope, ctx context.Context, tag uint8) *Scope {
	if accessor == nil || ctx == nil {
		return nil
	}
	r.tag = tag
	return enter(r, ctx)
}

// CurrentTag is [Current] with the tag its scope was entered with (0 when
// entered by [Enter], or when there is no current scope).
func CurrentTag() (context.Context, uint8) {
	if accessor == nil {
		return nil, 0
	}
	slot, id := accessor()
	if r := live(load(slot), id); r != nil {
		return r.current()
	}
	return nil, 0
}

// Own returns the scope current on this goroutine when this goroutine
// entered it itself and has not exited it; nil when the current context was
// inherited from the creating goroutine, when there is none, or when the
// runtime is not instrumented.
func Own() *Scope {
	if accessor == nil {
		return nil
	}
	slot, id := accessor()
	if r := live(load(slot), id); r != nil && r.owner == id {
		return r
	}
	return nil
}

// Rebind makes ctx (with tag, as in [EnterIn]) the scope's context in place
// of the one it was entered with, until its Exit, on the goroutine that
// entered it and on those that inherited it: for a span that took the place
// of the one the scope made current. A nil scope or ctx does nothing.
func (s *Scope) Rebind(ctx context.Context, tag uint8) {
	if s == nil || ctx == nil {
		return
	}
	s.rebound.Store(&rebinding{ctx: ctx, tag: tag})
}

func enter(r *Scope, ctx context.Context) *Scope {
	slot, id := accessor()
	cur := live(load(slot), id)
	r.ctx, r.prev, r.owner = ctx, cur, id
	if cur != nil {
		r.depth = cur.depth + 1
		if r.depth >= MaxDepth {
			r.prev = nil // detached: never stored, holds nothing
			return r
		}
	}
	atomic.StorePointer(slot, unsafe.Pointer(r))
	return r
}

// Exit ends the scope. When it is the current one on this goroutine, the
// context it replaced becomes current again (skipping scopes of this
// goroutine that were exited out of order). Otherwise, as when a span ends on
// another goroutine than the one that began it, it is only marked exited,
// and the goroutine that entered it skips it from then on. Exit twice is
// harmless.
func (s *Scope) Exit() {
	if s == nil || accessor == nil {
		return
	}
	r := s
	slot, id := accessor()
	current := live(load(slot), id) == r
	r.ended.Store(true)
	if current {
		atomic.StorePointer(slot, unsafe.Pointer(live(r.prev, id)))
	}
}

// Context returns the context the scope makes current (nil for a nil
// scope): the one it was entered with, or the one [Scope.Rebind] gave it.
func (s *Scope) Context() context.Context {
	if s == nil {
		return nil
	}
	ctx, _ := s.current()
	return ctx
}

// Clear empties this goroutine's slot. A goroutine that serves many unrelated
// units of work (a worker pool) may call it between them; nothing in autotel
// needs it, since exits restore what enters replaced.
func Clear() {
	if accessor == nil {
		return
	}
	slot, _ := accessor()
	atomic.StorePointer(slot, nil)
}

// load reads a slot (see the package comment for why atomically).
func load(slot *unsafe.Pointer) *Scope {
	return (*Scope)(atomic.LoadPointer(slot))
}
