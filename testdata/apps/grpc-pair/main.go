// Command grpc-pair is the build-mode grpc test program: one binary that is a grpc server
// (`server`: grpc on $LISTEN, and the same grpc.Server through net/http's ServeHTTP, HTTP/2
// without TLS, on $LISTEN_HTTP when set) or a client of it (`client TARGET`: every call once,
// then exits). The service, autotel.test.Greeter, is declared by hand over protobuf's
// StringValue, so no generated code is needed: SayHello is unary ("fail" gets NOT_FOUND,
// "crash" INTERNAL; its handler reports the baggage member "tenant" it received and calls
// Echo on the same server with context.Background()), Count streams from the server, Sum
// from the client, Chat both ways.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"go.opentelemetry.io/otel/baggage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

type greeter interface{}

// self is the server's client of itself (SayHello calls Echo through it).
var self *grpc.ClientConn

func unary(handle func(ctx context.Context, in string) (string, error)) func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		out, err := handle(ctx, in.Value)
		if err != nil {
			return nil, err
		}
		return wrapperspb.String(out), nil
	}
}

func sayHello(ctx context.Context, name string) (string, error) {
	switch name {
	case "fail":
		return "", status.Error(codes.NotFound, "no such name")
	case "crash":
		return "", status.Error(codes.Internal, "broken")
	}
	// Without the handler's ctx: goroutine-local context makes it a child of this call.
	echo := new(wrapperspb.StringValue)
	if err := self.Invoke(context.Background(), "/autotel.test.Greeter/Echo", wrapperspb.String(name), echo); err != nil {
		return "", err
	}
	tenant := baggage.FromContext(ctx).Member("tenant").Value()
	md, _ := metadata.FromIncomingContext(ctx)
	return fmt.Sprintf("hello %s tenant=%s traceparent=%s", echo.Value, tenant, strings.Join(md.Get("traceparent"), ",")), nil
}

func echo(_ context.Context, in string) (string, error) { return in, nil }

func count(_ any, stream grpc.ServerStream) error {
	in := new(wrapperspb.StringValue)
	if err := stream.RecvMsg(in); err != nil {
		return err
	}
	for _, s := range strings.Split(in.Value, ",") {
		if err := stream.SendMsg(wrapperspb.String(s)); err != nil {
			return err
		}
	}
	return nil
}

func sum(_ any, stream grpc.ServerStream) error {
	var all []string
	for {
		in := new(wrapperspb.StringValue)
		if err := stream.RecvMsg(in); err == io.EOF {
			return stream.SendMsg(wrapperspb.String(strings.Join(all, "+")))
		} else if err != nil {
			return err
		}
		all = append(all, in.Value)
	}
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

var (
	countDesc = grpc.StreamDesc{StreamName: "Count", Handler: count, ServerStreams: true}
	sumDesc   = grpc.StreamDesc{StreamName: "Sum", Handler: sum, ClientStreams: true}
	chatDesc  = grpc.StreamDesc{StreamName: "Chat", Handler: chat, ServerStreams: true, ClientStreams: true}
)

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "autotel.test.Greeter",
	HandlerType: (*greeter)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "SayHello", Handler: unary(sayHello)},
		{MethodName: "Echo", Handler: unary(echo)},
	},
	Streams: []grpc.StreamDesc{countDesc, sumDesc, chatDesc},
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: grpc-pair server | client TARGET")
	}
	switch os.Args[1] {
	case "server":
		runServer()
	case "client":
		if len(os.Args) != 3 {
			fail("usage: grpc-pair client TARGET")
		}
		runClient(os.Args[2])
	default:
		fail("usage: grpc-pair server | client TARGET")
	}
}

func fail(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(1)
}

func dial(target string) *grpc.ClientConn {
	cc, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail("dial:", err)
	}
	return cc
}

func runServer() {
	s := grpc.NewServer()
	s.RegisterService(&serviceDesc, struct{}{})
	self = dial(os.Getenv("LISTEN"))
	if addr := os.Getenv("LISTEN_HTTP"); addr != "" {
		// The same grpc.Server as an http.Handler: HTTP/2 without TLS (prior knowledge).
		hs := &http.Server{Addr: addr, Handler: s, Protocols: new(http.Protocols)}
		hs.Protocols.SetUnencryptedHTTP2(true)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fail("listen:", err)
		}
		go hs.Serve(ln)
	}
	ln, err := net.Listen("tcp", os.Getenv("LISTEN"))
	if err != nil {
		fail("listen:", err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		s.Stop()
	}()
	if err := s.Serve(ln); err != nil {
		fail("serve:", err)
	}
}

// runClient makes each kind of call once, in this order: SayHello(bob) with baggage
// tenant=acme, SayHello(fail), SayHello(crash), Missing (an unknown method), Count, Sum,
// Chat; it prints one line per call.
func runClient(target string) {
	cc := dial(target)
	defer cc.Close()
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	ctx := baggage.ContextWithBaggage(context.Background(), b)
	for _, name := range []string{"bob", "fail", "crash"} {
		out := new(wrapperspb.StringValue)
		err := cc.Invoke(ctx, "/autotel.test.Greeter/SayHello", wrapperspb.String(name), out)
		fmt.Printf("SayHello(%s): %s %s\n", name, status.Code(err), out.Value)
	}
	err := cc.Invoke(ctx, "/autotel.test.Greeter/Missing", wrapperspb.String("x"), new(wrapperspb.StringValue))
	fmt.Printf("Missing: %s\n", status.Code(err))

	s, err := cc.NewStream(ctx, &countDesc, "/autotel.test.Greeter/Count")
	if err != nil {
		fail("Count:", err)
	}
	s.SendMsg(wrapperspb.String("a,b,c"))
	s.CloseSend()
	fmt.Printf("Count: %s\n", strings.Join(receiveAll(s), " "))

	s, err = cc.NewStream(ctx, &sumDesc, "/autotel.test.Greeter/Sum")
	if err != nil {
		fail("Sum:", err)
	}
	for _, v := range []string{"1", "2", "3"} {
		s.SendMsg(wrapperspb.String(v))
	}
	s.CloseSend()
	fmt.Printf("Sum: %s\n", strings.Join(receiveAll(s), " "))

	s, err = cc.NewStream(ctx, &chatDesc, "/autotel.test.Greeter/Chat")
	if err != nil {
		fail("Chat:", err)
	}
	var got []string
	for _, v := range []string{"x", "y"} {
		s.SendMsg(wrapperspb.String(v))
		in := new(wrapperspb.StringValue)
		if err := s.RecvMsg(in); err != nil {
			fail("Chat:", err)
		}
		got = append(got, in.Value)
	}
	s.CloseSend()
	got = append(got, receiveAll(s)...)
	fmt.Printf("Chat: %s\n", strings.Join(got, " "))
}

// receiveAll reads a stream to its end; any other error ends the program.
func receiveAll(s grpc.ClientStream) []string {
	var got []string
	for {
		in := new(wrapperspb.StringValue)
		if err := s.RecvMsg(in); err == io.EOF {
			return got
		} else if err != nil {
			fail("recv:", err)
		}
		got = append(got, in.Value)
	}
}
