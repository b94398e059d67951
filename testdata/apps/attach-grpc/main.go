// Command attach-grpc is the grpc test program for autotel attach mode: one binary that is a
// grpc server (`server -addrfile PATH`) or a client of it (`client -target ADDR`). The service,
// autotel.test.Greeter, is declared by hand with protobuf's well-known StringValue type, so no
// generated code is needed: SayHello is unary (the name "fail" gets NOT_FOUND), Chat is a
// bidirectional stream that echoes each message.
//
// The client calls SayHello("bob"), SayHello("fail") and one Chat stream of three messages,
// prints what it got, and exits 0; with -warmup it makes one SayHello call only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

type greeter interface{}

type server struct{}

func sayHello(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	if in.Value == "fail" {
		return nil, status.Error(codes.NotFound, "no such name")
	}
	return wrapperspb.String("hello " + in.Value), nil
}

func chat(_ any, stream grpc.ServerStream) error {
	for {
		in := new(wrapperspb.StringValue)
		if err := stream.RecvMsg(in); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := stream.SendMsg(wrapperspb.String("echo " + in.Value)); err != nil {
			return err
		}
	}
}

var chatDesc = grpc.StreamDesc{StreamName: "Chat", Handler: chat, ServerStreams: true, ClientStreams: true}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "autotel.test.Greeter",
	HandlerType: (*greeter)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "SayHello", Handler: sayHello}},
	Streams:     []grpc.StreamDesc{chatDesc},
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: attach-grpc server|client [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		runServer(os.Args[2:])
	case "client":
		runClient(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: attach-grpc server|client [flags]")
		os.Exit(2)
	}
}

func runServer(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	addrFile := fs.String("addrfile", "", "file to write the bound address to")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	s := grpc.NewServer()
	s.RegisterService(&serviceDesc, &server{})
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "addrfile:", err)
			os.Exit(1)
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		s.GracefulStop()
	}()
	if err := s.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	fmt.Println("bye")
}

func runClient(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	target := fs.String("target", "", "server address")
	warmup := fs.Bool("warmup", false, "one SayHello call only")
	fs.Parse(args)
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	defer conn.Close()
	ctx := context.Background()
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(ctx, "/autotel.test.Greeter/SayHello", wrapperspb.String("bob"), out); err != nil {
		fmt.Fprintln(os.Stderr, "SayHello:", err)
		os.Exit(1)
	}
	fmt.Println(out.Value)
	if *warmup {
		return
	}
	err = conn.Invoke(ctx, "/autotel.test.Greeter/SayHello", wrapperspb.String("fail"), out)
	fmt.Println("fail:", status.Code(err))

	stream, err := conn.NewStream(ctx, &chatDesc, "/autotel.test.Greeter/Chat")
	if err != nil {
		fmt.Fprintln(os.Stderr, "Chat:", err)
		os.Exit(1)
	}
	for _, m := range []string{"a", "b", "c"} {
		if err := stream.SendMsg(wrapperspb.String(m)); err != nil {
			fmt.Fprintln(os.Stderr, "send:", err)
			os.Exit(1)
		}
		in := new(wrapperspb.StringValue)
		if err := stream.RecvMsg(in); err != nil {
			fmt.Fprintln(os.Stderr, "recv:", err)
			os.Exit(1)
		}
		fmt.Println(in.Value)
	}
	if err := stream.CloseSend(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		os.Exit(1)
	}
	if err := stream.RecvMsg(new(wrapperspb.StringValue)); err != io.EOF {
		fmt.Fprintln(os.Stderr, "end of stream:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}
