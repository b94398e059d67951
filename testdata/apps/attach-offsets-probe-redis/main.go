// Command attach-offsets-probe-redis is never run: crates/attach/examples/gen_offsets.rs builds
// it against each listed go-redis v9 release and reads the struct layouts attach needs from
// its DWARF. It only has to link in the types involved.
package main

import (
	"context"
	"os"

	"github.com/redis/go-redis/v9"
)

func main() {
	if len(os.Args) > 1 {
		rdb := redis.NewClient(&redis.Options{Addr: os.Args[1]})
		rdb.Ping(context.Background())
	}
}
