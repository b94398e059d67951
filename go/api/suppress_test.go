package api

import (
	"context"
	"testing"
)

func TestSuppress(t *testing.T) {
	ctx := context.Background()
	if Suppressed(ctx) {
		t.Fatal("a plain context is suppressed")
	}
	var none context.Context
	if Suppressed(none) {
		t.Fatal("a nil context is suppressed")
	}
	s := Suppress(ctx)
	if !Suppressed(s) {
		t.Fatal("Suppress(ctx) is not suppressed")
	}
	type k struct{}
	child := context.WithValue(s, k{}, 1)
	if !Suppressed(child) {
		t.Fatal("a child of a suppressed context is not suppressed")
	}
	if Suppress(s) != s {
		t.Fatal("suppressing twice wrapped the context again")
	}
}
