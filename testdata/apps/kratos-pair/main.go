// Command kratos-pair is the build-mode test program of go-kratos/kratos v2: one binary that is a
// front service (`front`: kratos's HTTP server on $LISTEN and gRPC server on $LISTEN_GRPC), a
// downstream service (`downstream`: the same two servers), or a gRPC caller of the front
// (`call ADDR NAME`: one SayHello through kratos's gRPC client, then exits).
//
// Routes and services have the shape protoc-gen-go-http and protoc-gen-go-grpc give them, written
// by hand (no protoc step): the HTTP handlers are registered on kratos's router
// (`s.Route("/").GET("/helloworld/{name}", …)`), set the operation with http.SetOperation and run
// the service's middleware through ctx.Middleware; the gRPC services are grpc.ServiceDescs over
// protobuf's StringValue whose handlers go through the interceptor, like generated ones.
//
// The front's Greeter.SayHello (over HTTP and gRPC) calls the downstream's Store.GetItem twice:
// through kratos's HTTP client with the handler's ctx, and through kratos's gRPC client with
// context.Background() (goroutine-local context makes it a child of the request's span). It
// answers with the span id in its ctx and the traceparent each downstream call received.
// GET /fail answers 503 through kratos's error encoder.
//
// KRATOS_TRACING=1 turns on kratos's own tracing middleware (middleware/tracing) on every server
// and client, the way a kratos program traces itself.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/tracing"
	kgrpc "github.com/go-kratos/kratos/v2/transport/grpc"
	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The operations, as protoc-gen-go-http names them.
const (
	OperationGreeterSayHello = "/helloworld.v1.Greeter/SayHello"
	OperationStoreGetItem    = "/autotel.test.Store/GetItem"
)

type HelloRequest struct {
	Name string `json:"name"`
}

type HelloReply struct {
	Message string `json:"message"`
}

type ItemRequest struct {
	ID string `json:"id"`
}

type ItemReply struct {
	Traceparent string `json:"traceparent"`
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: kratos-pair front | downstream | call ADDR NAME")
	}
	switch os.Args[1] {
	case "front":
		front()
	case "downstream":
		downstream()
	case "call":
		if len(os.Args) != 4 {
			fail("usage: kratos-pair call ADDR NAME")
		}
		call(os.Args[2], os.Args[3])
	default:
		fail("usage: kratos-pair front | downstream | call ADDR NAME")
	}
}

func fail(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(1)
}

// middlewares is kratos's tracing middleware when KRATOS_TRACING=1, else nothing.
func middlewares(server bool) []middleware.Middleware {
	if os.Getenv("KRATOS_TRACING") != "1" {
		return nil
	}
	if server {
		return []middleware.Middleware{tracing.Server()}
	}
	return []middleware.Middleware{tracing.Client()}
}

// serve runs an HTTP server on $LISTEN and a gRPC server on $LISTEN_GRPC until SIGTERM. The gRPC
// listener is open before the HTTP one, so a caller that waits for $LISTEN finds both.
func serve(register func(*khttp.Server, *kgrpc.Server)) {
	glis, err := net.Listen("tcp", os.Getenv("LISTEN_GRPC"))
	if err != nil {
		fail("listen grpc:", err)
	}
	hlis, err := net.Listen("tcp", os.Getenv("LISTEN"))
	if err != nil {
		fail("listen http:", err)
	}
	hs := khttp.NewServer(khttp.Listener(hlis), khttp.Middleware(middlewares(true)...))
	gs := kgrpc.NewServer(kgrpc.Listener(glis), kgrpc.Middleware(middlewares(true)...))
	register(hs, gs)
	ctx := context.Background()
	go func() { _ = gs.Start(ctx) }()
	go func() { _ = hs.Start(ctx) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	_ = hs.Stop(ctx)
	_ = gs.Stop(ctx)
}

// ---- downstream: Store.GetItem over HTTP and gRPC ----

func getItem(ctx context.Context, in *ItemRequest) (*ItemReply, error) {
	if tr, ok := khttp.RequestFromServerContext(ctx); ok {
		return &ItemReply{Traceparent: tr.Header.Get("traceparent")}, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("traceparent"); len(v) > 0 {
		return &ItemReply{Traceparent: v[0]}, nil
	}
	return &ItemReply{}, nil
}

func downstream() {
	serve(func(hs *khttp.Server, gs *kgrpc.Server) {
		r := hs.Route("/")
		r.GET("/items/{id}", func(ctx khttp.Context) error {
			var in ItemRequest
			if err := ctx.BindVars(&in); err != nil {
				return err
			}
			khttp.SetOperation(ctx, OperationStoreGetItem)
			h := ctx.Middleware(func(ctx context.Context, req any) (any, error) {
				return getItem(ctx, req.(*ItemRequest))
			})
			out, err := h(ctx, &in)
			if err != nil {
				return err
			}
			return ctx.Result(200, out)
		})
		gs.RegisterService(&storeDesc, nil)
	})
}

var storeDesc = grpc.ServiceDesc{
	ServiceName: "autotel.test.Store",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{unaryMethod("GetItem", OperationStoreGetItem, func(ctx context.Context, _ any, in string) (string, error) {
		out, err := getItem(ctx, &ItemRequest{ID: in})
		if err != nil {
			return "", err
		}
		return out.Traceparent, nil
	})},
}

// unaryMethod is the method descriptor protoc-gen-go-grpc writes for a unary rpc, over
// StringValue: it decodes the request and runs handle through the server's interceptor (where
// kratos's transport and middleware are).
func unaryMethod(name, fullMethod string, handle func(ctx context.Context, srv any, in string) (string, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			handler := func(ctx context.Context, req any) (any, error) {
				out, err := handle(ctx, srv, req.(*wrapperspb.StringValue).Value)
				if err != nil {
					return nil, err
				}
				return wrapperspb.String(out), nil
			}
			if interceptor == nil {
				return handler(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: fullMethod}, handler)
		},
	}
}

// ---- front: Greeter.SayHello over HTTP and gRPC, calling the downstream ----

type greeter struct {
	http *khttp.Client
	grpc *grpc.ClientConn
}

func (g *greeter) SayHello(ctx context.Context, in *HelloRequest) (*HelloReply, error) {
	// kratos's HTTP client, the way protoc-gen-go-http's client calls it, with the handler's ctx.
	var item ItemReply
	pattern := "/items/{id}"
	if err := g.http.Invoke(ctx, "GET", "/items/"+in.Name, nil, &item,
		khttp.Operation(OperationStoreGetItem), khttp.PathTemplate(pattern)); err != nil {
		return nil, err
	}
	// kratos's gRPC client without the handler's ctx.
	out := new(wrapperspb.StringValue)
	if err := g.grpc.Invoke(context.Background(), OperationStoreGetItem, wrapperspb.String(in.Name), out); err != nil {
		return nil, err
	}
	span := trace.SpanContextFromContext(ctx).SpanID()
	return &HelloReply{Message: fmt.Sprintf("hello %s span=%s http=%s grpc=%s", in.Name, span, item.Traceparent, out.Value)}, nil
}

func front() {
	ctx := context.Background()
	hc, err := khttp.NewClient(ctx, khttp.WithEndpoint(os.Getenv("DOWNSTREAM_HTTP")), khttp.WithMiddleware(middlewares(false)...))
	if err != nil {
		fail("http client:", err)
	}
	gc, err := kgrpc.DialInsecure(ctx, kgrpc.WithEndpoint(os.Getenv("DOWNSTREAM_GRPC")), kgrpc.WithMiddleware(middlewares(false)...))
	if err != nil {
		fail("grpc client:", err)
	}
	g := &greeter{http: hc, grpc: gc}
	serve(func(hs *khttp.Server, gs *kgrpc.Server) {
		r := hs.Route("/")
		r.GET("/helloworld/{name}", func(ctx khttp.Context) error {
			var in HelloRequest
			if err := ctx.BindVars(&in); err != nil {
				return err
			}
			khttp.SetOperation(ctx, OperationGreeterSayHello)
			h := ctx.Middleware(func(ctx context.Context, req any) (any, error) {
				return g.SayHello(ctx, req.(*HelloRequest))
			})
			out, err := h(ctx, &in)
			if err != nil {
				return err
			}
			return ctx.Result(200, out)
		})
		r.GET("/fail", func(khttp.Context) error {
			return errors.ServiceUnavailable("DOWN", "the downstream is down")
		})
		gs.RegisterService(&greeterDesc, g)
	})
}

var greeterDesc = grpc.ServiceDesc{
	ServiceName: "helloworld.v1.Greeter",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{unaryMethod("SayHello", OperationGreeterSayHello, func(ctx context.Context, srv any, in string) (string, error) {
		out, err := srv.(*greeter).SayHello(ctx, &HelloRequest{Name: in})
		if err != nil {
			return "", err
		}
		return out.Message, nil
	})},
}

// ---- call: one SayHello through kratos's gRPC client ----

func call(addr, name string) {
	ctx := context.Background()
	cc, err := kgrpc.DialInsecure(ctx, kgrpc.WithEndpoint(addr), kgrpc.WithMiddleware(middlewares(false)...))
	if err != nil {
		fail("dial:", err)
	}
	defer cc.Close()
	out := new(wrapperspb.StringValue)
	if err := cc.Invoke(ctx, OperationGreeterSayHello, wrapperspb.String(name), out); err != nil {
		fail("SayHello:", err)
	}
	fmt.Println(out.Value)
}
