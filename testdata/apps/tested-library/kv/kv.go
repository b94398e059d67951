// Package kv is a tiny in-memory key-value store: the library the user's rule instruments.
package kv

import "sync"

// Store maps keys to values; safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	values map[string]string
}

func New() *Store { return &Store{values: map[string]string{}} }

func (s *Store) Put(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = value
}

// Get returns the value of key and whether it is set.
func (s *Store) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok
}
