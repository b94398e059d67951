// Command attach-offsets-probe-grpc is never run: crates/attach/examples/gen_offsets.rs builds
// it against each listed grpc-go release and reads the struct layouts attach needs from its
// DWARF. It only has to link in the types involved.
package main

import (
	"context"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	if len(os.Args) > 1 {
		conn, err := grpc.NewClient(os.Args[1], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err == nil {
			conn.Invoke(context.Background(), "/a.B/C", nil, nil)
			conn.NewStream(context.Background(), &grpc.StreamDesc{}, "/a.B/D")
		}
		ln, _ := net.Listen("tcp", os.Args[1])
		grpc.NewServer().Serve(ln)
	}
}
