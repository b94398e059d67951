package semconv

import (
	"net"
	"strconv"
	"strings"

	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
)

// RPC keys of the conventions' RPC registry (release candidate, newer than
// the v1.37.0 keys package): rpc.system.name, rpc.method as the full
// "package.Service/Method", rpc.status_code as the code's name.
const (
	RPCSystemNameKey = attribute.Key("rpc.system.name")
	RPCMethodKey     = attribute.Key("rpc.method")
	RPCStatusCodeKey = attribute.Key("rpc.status_code")
)

// grpcCodes are the names of gRPC's status codes, by number.
var grpcCodes = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// GRPCCodeName is the name of a gRPC status code ("NOT_FOUND"), "" when the
// code is not one of the 17.
func GRPCCodeName(code uint32) string {
	if int(code) < len(grpcCodes) {
		return grpcCodes[code]
	}
	return ""
}

// GRPCMethod is rpc.method and the span name of a full method name
// ("/pkg.Service/Method" → "pkg.Service/Method"); "_OTHER" when empty.
func GRPCMethod(fullMethod string) string {
	m := strings.TrimPrefix(fullMethod, "/")
	if m == "" {
		return "_OTHER"
	}
	return m
}

// GRPCStatus is the span status and error.type of a finished call: a server
// span is an error for UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
// UNAVAILABLE and DATA_LOSS; a client span for every code but OK. The
// error.type is the code's name.
func GRPCStatus(code uint32, server bool) (codes.Code, string) {
	name := GRPCCodeName(code)
	if code == 0 {
		return codes.Unset, ""
	}
	if name == "" {
		name = "_OTHER"
	}
	if !server {
		return codes.Error, name
	}
	switch name {
	case "UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS":
		return codes.Error, name
	}
	return codes.Unset, ""
}

// GRPCEndAttributes are what a call's span gets when it ends with code:
// rpc.status_code (the code's name) and, when the call failed, error.type;
// with the span status and the error.type (GRPCStatus).
func GRPCEndAttributes(code uint32, server bool) ([]attribute.KeyValue, codes.Code, string) {
	spanStatus, errorType := GRPCStatus(code, server)
	var attrs []attribute.KeyValue
	if name := GRPCCodeName(code); name != "" {
		attrs = append(attrs, RPCStatusCodeKey.String(name))
	}
	if spanStatus == codes.Error {
		attrs = append(attrs, ErrorTypeAttribute(errorType))
	}
	return attrs, spanStatus, errorType
}

// GRPCTarget splits a client's dial target into server.address and
// server.port as the conventions say: "host:port", "dns:///host:port" and
// "dns://resolver/host:port" give host and port; a unix socket gives its
// path and no port; any other target is server.address whole.
func GRPCTarget(target string) (address string, port int) {
	scheme, rest, hasScheme := strings.Cut(target, "://")
	switch {
	case !hasScheme:
		if strings.HasPrefix(target, "unix:") {
			return strings.TrimPrefix(target, "unix:"), 0
		}
		rest = target
	case scheme == "unix":
		return "/" + strings.TrimLeft(rest, "/"), 0
	case scheme == "dns" || scheme == "passthrough":
		// dns://[authority]/host:port
		if i := strings.Index(rest, "/"); i >= 0 {
			rest = rest[i+1:]
		}
	default:
		return target, 0
	}
	host, p, err := net.SplitHostPort(rest)
	if err != nil {
		if rest == "" {
			return target, 0
		}
		return rest, 0
	}
	port, _ = strconv.Atoi(p)
	return host, port
}

// GRPCCall is what an RPC's span and duration metric are made of.
type GRPCCall struct {
	Method  string // rpc.method
	Address string // server.address ("" when unknown)
	Port    int    // server.port (0 when unknown)
}

// SpanAttributes are the attributes known when the call starts.
func (c GRPCCall) SpanAttributes() []attribute.KeyValue {
	attrs := []attribute.KeyValue{RPCSystemNameKey.String("grpc"), RPCMethodKey.String(c.Method)}
	if c.Address != "" {
		attrs = append(attrs, sc.ServerAddress(c.Address))
		if c.Port > 0 {
			attrs = append(attrs, sc.ServerPort(c.Port))
		}
	}
	return attrs
}

// PeerAttributes are network.peer.address and network.peer.port of a
// server span's client connection (nothing for a non-IP address).
func PeerAttributes(addr net.Addr) []attribute.KeyValue {
	if addr == nil {
		return nil
	}
	host, p, err := net.SplitHostPort(addr.String())
	if err != nil || host == "" {
		return nil
	}
	attrs := []attribute.KeyValue{sc.NetworkPeerAddressKey.String(host)}
	if port, err := strconv.Atoi(p); err == nil && port > 0 {
		attrs = append(attrs, sc.NetworkPeerPortKey.Int(port))
	}
	return attrs
}

// MetricOptions are the options of rpc.{server,client}.call.duration's
// Record: its attribute set, made once per distinct value (read-only): the
// system, method, status code, error.type of a failed call and, for a
// client, server.address and server.port (opt-in on the server).
func (c GRPCCall) MetricOptions(code uint32, errorType string, client bool) []metric.RecordOption {
	return rpcSets.get(rpcMetricKey{c, code, errorType, client}, rpcMetricSet)
}

type rpcMetricKey struct {
	GRPCCall
	code      uint32
	errorType string
	client    bool
}

var rpcSets setCache[rpcMetricKey]

func rpcMetricSet(k rpcMetricKey) attribute.Set {
	c, code, errorType, client := k.GRPCCall, k.code, k.errorType, k.client
	attrs := []attribute.KeyValue{RPCSystemNameKey.String("grpc"), RPCMethodKey.String(c.Method)}
	if name := GRPCCodeName(code); name != "" {
		attrs = append(attrs, RPCStatusCodeKey.String(name))
	}
	if errorType != "" {
		attrs = append(attrs, sc.ErrorTypeKey.String(errorType))
	}
	if client && c.Address != "" {
		attrs = append(attrs, sc.ServerAddress(c.Address))
		if c.Port > 0 {
			attrs = append(attrs, sc.ServerPort(c.Port))
		}
	}
	return attribute.NewSet(attrs...)
}

// NewRPCServerDuration is rpc.server.call.duration (seconds, the HTTP
// durations' buckets); an error gives a no-op histogram.
func NewRPCServerDuration(m metric.Meter) metric.Float64Histogram {
	return newDuration(m, "rpc.server.call.duration", "Measures the duration of an incoming Remote Procedure Call (RPC).")
}

// NewRPCClientDuration is rpc.client.call.duration (seconds, the HTTP
// durations' buckets); an error gives a no-op histogram.
func NewRPCClientDuration(m metric.Meter) metric.Float64Histogram {
	return newDuration(m, "rpc.client.call.duration", "Measures the duration of an outgoing Remote Procedure Call (RPC).")
}
