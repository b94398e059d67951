// A program that traces grpc itself with otelgrpc's stats handlers, on its server and on its
// clients. In one process it serves autotel.test.Greeter (declared by hand over protobuf's
// StringValue, no generated code) and calls SayHello once inside a span of its own ("job").
// SayHello's handler starts a manual span and calls Echo on the same server, both with
// context.Background(), as code that was never handed the handler's ctx does. Built with
// autotel, every call must have one CLIENT and one SERVER span, otelgrpc's (autotel's grpc
// hooks step aside), in one trace: job → SayHello CLIENT → SERVER → manual span and Echo CLIENT
// → SERVER (goroutine-local context follows otelgrpc's server span).
package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

type greeter interface{}

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

func sayHello(_ context.Context, name string) (string, error) {
	_, span := otel.Tracer("example.com/otelgrpc").Start(context.Background(), "manual")
	span.End()
	echo := new(wrapperspb.StringValue)
	if err := self.Invoke(context.Background(), "/autotel.test.Greeter/Echo", wrapperspb.String(name), echo); err != nil {
		return "", err
	}
	return "hello " + echo.Value, nil
}

func echo(_ context.Context, in string) (string, error) { return in, nil }

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "autotel.test.Greeter",
	HandlerType: (*greeter)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "SayHello", Handler: unary(sayHello)},
		{MethodName: "Echo", Handler: unary(echo)},
	},
}

func fail(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(1)
}

func dial(target string) *grpc.ClientConn {
	cc, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	if err != nil {
		fail("dial:", err)
	}
	return cc
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen:", err)
	}
	s := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler()))
	s.RegisterService(&serviceDesc, struct{}{})
	go s.Serve(ln)
	self = dial(ln.Addr().String())
	cc := dial(ln.Addr().String())

	ctx, job := otel.Tracer("example.com/otelgrpc").Start(context.Background(), "job")
	out := new(wrapperspb.StringValue)
	err = cc.Invoke(ctx, "/autotel.test.Greeter/SayHello", wrapperspb.String("bob"), out)
	job.End()
	if err != nil {
		fail("SayHello:", err)
	}
	fmt.Println(out.Value)
	cc.Close()
	self.Close()
	s.Stop()
}
