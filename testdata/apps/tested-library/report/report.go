// Package report describes kv stores; it imports kv, so testing kv recompiles it too.
package report

import "example.com/kvlib/kv"

func Describe(s *kv.Store, key string) string {
	if v, ok := s.Get(key); ok {
		return key + "=" + v
	}
	return key + " unset"
}
