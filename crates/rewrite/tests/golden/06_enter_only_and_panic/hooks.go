package hooks

import "fmt"

// workEnter panics itself for n == 13 and recovers, as every autotel hook does.
func workEnter(n *int) (_ *int, skip bool) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println("hook recovered:", r)
		}
	}()
	if *n == 13 {
		panic("hook bug")
	}
	return nil, false
}
