package target

import (
	"fmt"
	"runtime"
)

type Client struct{ Name string }

// Do answers a request; the hook sees and changes both the argument and the results.
func (c *Client) Do(req string) (string, error) {
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
