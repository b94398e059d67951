package gls

import (
	"context"
	"runtime"
	"testing"
	"unsafe"
)

// fakeRuntime stands in for the instrumented runtime: goroutines are
// simulated, each with a slot, and "running" selects the one the accessor
// answers for.
type fakeRuntime struct {
	slots   map[uint64]*unsafe.Pointer
	running uint64
}

func useFakeRuntime(t *testing.T) *fakeRuntime {
	t.Helper()
	f := &fakeRuntime{slots: map[uint64]*unsafe.Pointer{}}
	f.switchTo(1)
	prev := accessor
	registerAccessor(func() (*unsafe.Pointer, uint64) { return f.slots[f.running], f.running })
	t.Cleanup(func() { accessor = prev })
	return f
}

func (f *fakeRuntime) switchTo(id uint64) {
	if f.slots[id] == nil {
		f.slots[id] = new(unsafe.Pointer)
	}
	f.running = id
}

// spawn does what runtime.newproc1 does: the new goroutine starts with its
// creator's slot.
func (f *fakeRuntime) spawn(child uint64) {
	v := *f.slots[f.running]
	f.slots[child] = new(unsafe.Pointer)
	*f.slots[child] = v
}

type key struct{}

func named(name string) context.Context { return context.WithValue(context.Background(), key{}, name) }

func nameOf(ctx context.Context) string {
	if ctx == nil {
		return "<nil>"
	}
	s, _ := ctx.Value(key{}).(string)
	return s
}

func want(t *testing.T, what string, got context.Context, name string) {
	t.Helper()
	if nameOf(got) != name {
		t.Fatalf("%s: current is %s, want %s", what, nameOf(got), name)
	}
}

func TestWithoutRuntimeEverythingIsANoOp(t *testing.T) {
	prev := accessor
	accessor = nil
	t.Cleanup(func() { accessor = prev })
	if Available() {
		t.Fatal("Available without accessor")
	}
	s := Enter(named("a"))
	if s != nil || Current() != nil {
		t.Fatal("Enter/Current did something without the runtime accessor")
	}
	s.Exit()
	Clear()
}

func TestNestedEnterExitRestores(t *testing.T) {
	useFakeRuntime(t)
	want(t, "start", Current(), "<nil>")
	a := Enter(named("a"))
	b := Enter(named("b"))
	want(t, "inside b", Current(), "b")
	b.Exit()
	want(t, "after b", Current(), "a")
	b.Exit() // twice: harmless
	want(t, "after b twice", Current(), "a")
	a.Exit()
	want(t, "after a", Current(), "<nil>")
}

func TestOutOfOrderExitSkipsExitedScopes(t *testing.T) {
	useFakeRuntime(t)
	a := Enter(named("a"))
	b := Enter(named("b"))
	c := Enter(named("c"))
	b.Exit() // not current: only marked
	want(t, "b exited under c", Current(), "c")
	c.Exit()
	want(t, "c exited", Current(), "a")
	a.Exit()
	want(t, "a exited", Current(), "<nil>")
}

func TestExitOnAnotherGoroutine(t *testing.T) {
	f := useFakeRuntime(t)
	a := Enter(named("a"))
	b := Enter(named("b"))
	f.switchTo(2) // b is ended elsewhere
	b.Exit()
	want(t, "other goroutine", Current(), "<nil>")
	f.switchTo(1)
	want(t, "owner after b ended elsewhere", Current(), "a")
	c := Enter(named("c"))
	c.Exit()
	want(t, "owner after c", Current(), "a")
	a.Exit()
	want(t, "owner at the end", Current(), "<nil>")
}

func TestChildGoroutineInheritsAndKeepsEndedParent(t *testing.T) {
	f := useFakeRuntime(t)
	req := Enter(named("request"))
	f.spawn(2)
	req.Exit() // the handler returns before its goroutine runs
	want(t, "creator", Current(), "<nil>")

	f.switchTo(2)
	want(t, "child", Current(), "request")
	s := Enter(named("child span"))
	want(t, "child span", Current(), "child span")
	s.Exit()
	want(t, "child after its span", Current(), "request")

	// A goroutine created by a goroutine without context has none.
	f.switchTo(1)
	f.spawn(3)
	f.switchTo(3)
	want(t, "unrelated goroutine", Current(), "<nil>")
}

func TestChildExitingInheritedScope(t *testing.T) {
	f := useFakeRuntime(t)
	outer := Enter(named("outer"))
	req := Enter(named("request"))
	f.spawn(2)
	f.switchTo(2)
	req.Exit() // e.g. go func() { defer span.End() }()
	want(t, "child after ending inherited", Current(), "outer")
	f.switchTo(1)
	want(t, "creator after child ended its scope", Current(), "outer")
	outer.Exit()
}

func TestLeakedScopesAreBounded(t *testing.T) {
	f := useFakeRuntime(t)
	base := Enter(named("base"))
	for i := 0; i < 10*MaxDepth; i++ {
		Enter(named("leaked")) // never exited
	}
	n := 0
	for r := (*Scope)(*f.slots[1]); r != nil; r = r.prev {
		n++
	}
	if n > MaxDepth {
		t.Fatalf("%d records on one goroutine, want at most %d", n, MaxDepth)
	}
	want(t, "after leaks", Current(), "leaked")
	// Entering beyond the bound still gives a scope whose Exit is harmless.
	extra := Enter(named("extra"))
	extra.Exit()
	want(t, "after extra", Current(), "leaked")
	base.Exit()
	want(t, "after base", Current(), "leaked") // base is not the current scope: only marked
	Clear()
	want(t, "after Clear", Current(), "<nil>")
}

func TestEnterNilContext(t *testing.T) {
	useFakeRuntime(t)
	//lint:ignore SA1012 nil is what is being tested
	if s := Enter(nil); s != nil { //nolint:staticcheck
		t.Fatal("Enter(nil) returned a scope")
	}
	want(t, "after Enter(nil)", Current(), "<nil>")
}

// TestEnterInUsesTheCallersScope: EnterIn nests and restores as Enter does, in the Scope the
// caller gives, with the tag CurrentTag returns, and does nothing for a nil ctx.
func TestEnterInUsesTheCallersScope(t *testing.T) {
	useFakeRuntime(t)
	var ra, rb Scope
	a := EnterIn(&ra, named("a"), 7)
	b := EnterIn(&rb, named("b"), 0)
	if a != &ra || b != &rb {
		t.Fatal("EnterIn did not return the scope it was given")
	}
	want(t, "inside b", Current(), "b")
	b.Exit()
	want(t, "after b", Current(), "a")
	if ctx, tag := CurrentTag(); nameOf(ctx) != "a" || tag != 7 {
		t.Fatalf("CurrentTag: %s %d, want a 7", nameOf(ctx), tag)
	}
	a.Exit()
	want(t, "after a", Current(), "<nil>")
	if ctx, tag := CurrentTag(); ctx != nil || tag != 0 {
		t.Fatalf("CurrentTag with no scope: %s %d", nameOf(ctx), tag)
	}
	var rn Scope
	//lint:ignore SA1012 nil is what is being tested
	if s := EnterIn(&rn, nil, 1); s != nil { //nolint:staticcheck
		t.Fatal("EnterIn(nil) returned a scope")
	}
}

func BenchmarkEnterExit(b *testing.B) {
	var slot unsafe.Pointer
	prev := accessor
	registerAccessor(func() (*unsafe.Pointer, uint64) { return &slot, 1 })
	b.Cleanup(func() { accessor = prev })
	ctx := named("x")
	b.ReportAllocs()
	for range b.N {
		Enter(ctx).Exit()
	}
	runtime.KeepAlive(slot)
}
