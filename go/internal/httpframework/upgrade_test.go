package httpframework

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
)

// ended records the calls of the server hook's deferred end.
type ended []int

func (e *ended) end(status int) { *e = append(*e, status) }

func TestAHijackDuringAnUpgradeEndsWithTheUpgradesStatus(t *testing.T) {
	ctx, s := WithServed(context.Background(), noop.Span{})
	if u := StartUpgrade(ctx); u != s {
		t.Fatalf("StartUpgrade returned %p, want the request's Served %p", u, s)
	}
	var e ended
	if !s.DeferUntilUpgraded(e.end) {
		t.Fatal("a hijack during an upgrade is not deferred")
	}
	if len(e) != 0 {
		t.Fatalf("ended before the upgrade did: %v", e)
	}
	s.EndUpgrade(101)
	if len(e) != 1 || e[0] != 101 {
		t.Fatalf("ends %v, want [101]", e)
	}
	// The upgrade is over: a later hijack is the server hook's to end.
	if s.DeferUntilUpgraded(e.end) {
		t.Fatal("deferred after the upgrade ended")
	}
}

func TestAnUpgradeThatFailsBeforeTheHijackDefersNothing(t *testing.T) {
	ctx, s := WithServed(context.Background(), noop.Span{})
	StartUpgrade(ctx).EndUpgrade(0) // refused with http.Error: net/http saw the status
	var e ended
	if s.DeferUntilUpgraded(e.end) || len(e) != 0 {
		t.Fatalf("deferred or ended without an upgrade under way: %v", e)
	}
}

func TestAHijackWithoutAnUpgradeIsNotDeferred(t *testing.T) {
	_, s := WithServed(context.Background(), noop.Span{})
	var e ended
	if s.DeferUntilUpgraded(e.end) {
		t.Fatal("deferred without an upgrade")
	}
}

func TestNoServedNoUpgrade(t *testing.T) {
	u := StartUpgrade(context.Background())
	if u != nil {
		t.Fatalf("StartUpgrade without a server span: %v", u)
	}
	u.EndUpgrade(101) // does nothing
	var e ended
	if u.DeferUntilUpgraded(e.end) {
		t.Fatal("a nil Served deferred")
	}
}
