//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

import (
	"fmt"
	"runtime"
)

type Client struct{ Name string }

// Do answers a request; the hook sees and changes both the argument and the results.
func (c *Client) Do(req string) (__autotel_r0 /*line input.go:11:34*/string, __autotel_r1 /*line input.go:11:42*/error) { if __autotel_st, __autotel_skip := __autotel_enter_0(&c, &req); __autotel_st != nil { defer __autotel_exit_0(__autotel_st, &__autotel_r0, &__autotel_r1); if __autotel_skip { return } } else if __autotel_skip { return };
	_, file, line, _ := runtime.Caller(0)
	fmt.Printf("Do body sees %q at %s:%d\n", req, base(file), line)
	return c.Name + ":" + req, nil
}

func base(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

//line autotel_generated.go:1
//go:linkname __autotel_enter_0 example.com/golden/hooks.doEnter
func __autotel_enter_0(**Client, *string) (__autotel_unsafe.Pointer, bool)
//go:linkname __autotel_exit_0 example.com/golden/hooks.doExit
func __autotel_exit_0(__autotel_unsafe.Pointer, *string, *error)
