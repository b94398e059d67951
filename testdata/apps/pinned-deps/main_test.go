package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestPid(t *testing.T) {
	if unix.Getpid() <= 0 {
		t.Fatal("no pid")
	}
}
