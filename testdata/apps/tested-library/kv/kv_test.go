package kv

import "testing"

func TestGetReturnsWhatPutStored(t *testing.T) {
	s := New()
	s.Put("a", "1")
	if v, ok := s.Get("a"); !ok || v != "1" {
		t.Fatalf("Get(a) = %q, %v", v, ok)
	}
	if _, ok := s.Get("missing"); ok {
		t.Fatal("Get(missing) found a value")
	}
}

func TestConcurrentPutAndGet(t *testing.T) {
	s := New()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			s.Put("k", "v")
		}
	}()
	for i := 0; i < 100; i++ {
		s.Get("k")
	}
	<-done
}
