package grpc

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service, autotel.test.Greeter, is declared by hand over
// protobuf's StringValue (no generated code): SayHello is unary ("fail"
// gets NOT_FOUND, "crash" INTERNAL), Count streams from the server, Sum
// from the client, Chat both ways.
type greeter interface{}

func sayHello(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	handler := func(ctx context.Context, req any) (any, error) {
		name := req.(*wrapperspb.StringValue).Value
		if hook := helloHook; hook != nil {
			hook(ctx)
		}
		switch name {
		case "fail":
			return nil, status.Error(codes.NotFound, "no such name")
		case "crash":
			return nil, status.Error(codes.Internal, "broken")
		}
		return wrapperspb.String("hello " + name), nil
	}
	if interceptor == nil {
		return handler(ctx, in)
	}
	return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/autotel.test.Greeter/SayHello"}, handler)
}

// helloHook, when set, runs inside SayHello's handler.
var helloHook func(ctx context.Context)

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
	Methods:     []grpc.MethodDesc{{MethodName: "SayHello", Handler: sayHello}},
	Streams:     []grpc.StreamDesc{countDesc, sumDesc, chatDesc},
}

// newServer calls NewServer as its rewritten version does.
func newServer(opt ...grpc.ServerOption) *grpc.Server {
	newServerEnter(&opt)
	return grpc.NewServer(opt...)
}

// newClient calls NewClient as its rewritten version does.
func newClient(t *testing.T, target string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	newClientEnter(&target, &opts)
	cc, err := grpc.NewClient(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// serve starts s with the Greeter on a loopback port and returns its address.
func serve(t *testing.T, s *grpc.Server) string {
	t.Helper()
	s.RegisterService(&serviceDesc, struct{}{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	// GracefulStop waits for the calls in flight, whose server spans and
	// metrics end after the client has its reply: a later test's providers
	// (installed globally) must not receive them.
	t.Cleanup(s.GracefulStop)
	return ln.Addr().String()
}

func hello(ctx context.Context, cc *grpc.ClientConn, name string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := cc.Invoke(ctx, "/autotel.test.Greeter/SayHello", wrapperspb.String(name), out)
	return out.Value, err
}
