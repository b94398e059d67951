package semconv

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// HTTPDurationBuckets are the explicit bucket boundaries (seconds) that the
// conventions advise for http.server.request.duration and
// http.client.request.duration.
var HTTPDurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// methodOther is the http.request.method value of a method the
// instrumentation does not know.
const methodOther = "_OTHER"

// EnvKnownMethods overrides the set of known HTTP methods (comma separated,
// case sensitive), as the conventions require of instrumentations that map
// methods to _OTHER.
const EnvKnownMethods = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"

var knownMethods = parseKnownMethods(os.Getenv(EnvKnownMethods))

func parseKnownMethods(v string) map[string]bool {
	if strings.TrimSpace(v) == "" {
		// RFC 9110 plus PATCH (RFC 5789): the stable list of the conventions.
		return map[string]bool{
			"CONNECT": true, "DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true,
			"PATCH": true, "POST": true, "PUT": true, "TRACE": true,
		}
	}
	m := make(map[string]bool)
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

// httpMethod returns the http.request.method value for method: the method
// itself when known (an empty method means GET, as in net/http), else
// "_OTHER", with original set.
func httpMethod(method string) (normalized string, original bool) {
	if method == "" {
		return http.MethodGet, false
	}
	if knownMethods[method] {
		return method, false
	}
	return methodOther, true
}

// spanNameMethod is the method part of an HTTP span name: "HTTP" stands for a
// method the instrumentation does not know.
func spanNameMethod(method string) string {
	if method == methodOther {
		return "HTTP"
	}
	return method
}

// protocolVersion returns network.protocol.version ("1.0", "1.1", "2", "3").
func protocolVersion(major, minor int) string {
	switch {
	case major == 1 && minor == 1:
		return "1.1"
	case major == 1 && minor == 0:
		return "1.0"
	case major == 2 && minor == 0:
		return "2"
	case major == 3 && minor == 0:
		return "3"
	case major <= 0:
		return ""
	case minor == 0:
		return strconv.Itoa(major)
	}
	return strconv.Itoa(major) + "." + strconv.Itoa(minor)
}

// splitHostPort splits "host:port", "[v6]:port", "host" or "[v6]" and
// returns port -1 when there is none or it is not a number.
func splitHostPort(hostport string) (host string, port int) {
	port = -1
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host = h
		if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 65535 {
			port = n
		}
		return host, port
	}
	host = hostport
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return host, port
}

func defaultPort(scheme string) int {
	switch strings.ToLower(scheme) {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	}
	return -1
}

// HTTPServer holds the low-cardinality facts of a server request that its
// span name and metric need once the response is known.
type HTTPServer struct {
	Method          string // http.request.method: a known method or "_OTHER"
	Scheme          string // url.scheme
	ProtocolVersion string // network.protocol.version, "" when unknown
}

// HeaderGetter reads a request header's first value ("" when absent):
// http.Header for net/http, an adapter for servers that keep headers their
// own way (fasthttp).
type HeaderGetter interface {
	Get(key string) string
}

// HTTPServerRequest is an incoming request as the server conventions read it,
// whatever server received it: net/http's *http.Request (see
// ReadHTTPServerRequest) or another server's request (fasthttp).
type HTTPServerRequest struct {
	Method     string // as received; "" means GET
	HasURL     bool   // Path and RawQuery are known (url.path is set, even "")
	Path       string // decoded path
	RawQuery   string // without "?"
	Host       string // Host header (:authority in HTTP/2), else the URL's host
	RemoteAddr string // peer "host:port"
	UserAgent  string
	TLS        bool
	ProtoMajor int
	ProtoMinor int
	Header     HeaderGetter // for Forwarded and X-Forwarded-*; nil when none
}

// ReadHTTPServerRequest returns the facts and the span attributes of an
// incoming net/http request (stable HTTP server span conventions).
func ReadHTTPServerRequest(r *http.Request) (HTTPServer, []attribute.KeyValue) {
	req := httpServerRequest(r)
	return ReadServerRequest(&req)
}

// ReadHTTPServerFacts returns the facts of an incoming net/http request
// alone, for a span that records nothing: the duration metric needs them,
// the attributes would be thrown away.
func ReadHTTPServerFacts(r *http.Request) HTTPServer {
	req := httpServerRequest(r)
	return serverFacts(&req)
}

// httpServerRequest is r as the server conventions read it.
func httpServerRequest(r *http.Request) HTTPServerRequest {
	req := HTTPServerRequest{
		Method:     r.Method,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		UserAgent:  r.UserAgent(),
		TLS:        r.TLS != nil,
		ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor,
		Header:     r.Header,
	}
	if r.URL != nil {
		req.HasURL, req.Path, req.RawQuery = true, r.URL.Path, r.URL.RawQuery
		if req.Host == "" {
			req.Host = r.URL.Host
		}
	}
	return req
}

// ReadServerRequest returns the facts and the span attributes of an incoming
// request (stable HTTP server span conventions).
func ReadServerRequest(r *HTTPServerRequest) (HTTPServer, []attribute.KeyValue) {
	attrs := make([]attribute.KeyValue, 0, 14)
	s := serverFacts(r)
	method, original := httpMethod(r.Method)
	attrs = append(attrs, sc.HTTPRequestMethodKey.String(method))
	if original {
		attrs = append(attrs, sc.HTTPRequestMethodOriginalKey.String(r.Method))
	}
	attrs = append(attrs, sc.URLSchemeKey.String(s.Scheme))
	if r.HasURL {
		attrs = append(attrs, sc.URLPathKey.String(r.Path))
		if r.RawQuery != "" {
			attrs = append(attrs, sc.URLQueryKey.String(redactQuery(r.RawQuery)))
		}
	}
	if host, port := splitHostPort(serverHost(r)); host != "" {
		attrs = append(attrs, sc.ServerAddressKey.String(host))
		if port > 0 {
			attrs = append(attrs, sc.ServerPortKey.Int(port))
		}
	}
	peer, peerPort := splitHostPort(r.RemoteAddr)
	if client := forwardedClient(r); client != "" {
		attrs = append(attrs, sc.ClientAddressKey.String(client))
	} else if peer != "" {
		attrs = append(attrs, sc.ClientAddressKey.String(peer))
		if peerPort > 0 {
			attrs = append(attrs, sc.ClientPortKey.Int(peerPort))
		}
	}
	if peer != "" {
		attrs = append(attrs, sc.NetworkPeerAddressKey.String(peer))
		if peerPort > 0 {
			attrs = append(attrs, sc.NetworkPeerPortKey.Int(peerPort))
		}
	}
	if r.UserAgent != "" {
		attrs = append(attrs, sc.UserAgentOriginalKey.String(r.UserAgent))
	}
	if s.ProtocolVersion != "" {
		attrs = append(attrs, sc.NetworkProtocolVersionKey.String(s.ProtocolVersion))
	}
	return s, attrs
}

// serverFacts returns the facts of r.
func serverFacts(r *HTTPServerRequest) HTTPServer {
	method, _ := httpMethod(r.Method)
	return HTTPServer{
		Method:          method,
		Scheme:          serverScheme(r),
		ProtocolVersion: protocolVersion(r.ProtoMajor, r.ProtoMinor),
	}
}

// header is r's header value for key, "" without headers.
func (r *HTTPServerRequest) header(key string) string {
	if r.Header == nil {
		return ""
	}
	return r.Header.Get(key)
}

// SpanName is the server span name: the method, then the route when known.
func (s HTTPServer) SpanName(route string) string {
	m := spanNameMethod(s.Method)
	if route == "" {
		return m
	}
	return m + " " + route
}

// RouteAttribute is the http.route attribute.
func RouteAttribute(route string) attribute.KeyValue { return sc.HTTPRouteKey.String(route) }

// StatusCodeAttribute is the http.response.status_code attribute.
func StatusCodeAttribute(code int) attribute.KeyValue {
	return sc.HTTPResponseStatusCodeKey.Int(code)
}

// ErrorTypeAttribute is the error.type attribute.
func ErrorTypeAttribute(errorType string) attribute.KeyValue {
	return sc.ErrorTypeKey.String(errorType)
}

// MetricOptions are the options of http.server.request.duration's Record:
// its attribute set, made once per distinct value (read-only). status 0
// means unknown; route and errorType are left out when empty.
func (s HTTPServer) MetricOptions(status int, route, errorType string) []metric.RecordOption {
	return serverSets.get(serverMetricKey{s, status, route, errorType}, serverMetricSet)
}

type serverMetricKey struct {
	HTTPServer
	status           int
	route, errorType string
}

var serverSets setCache[serverMetricKey]

func serverMetricSet(k serverMetricKey) attribute.Set {
	s, status, route, errorType := k.HTTPServer, k.status, k.route, k.errorType
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, sc.HTTPRequestMethodKey.String(s.Method), sc.URLSchemeKey.String(s.Scheme))
	if status > 0 {
		attrs = append(attrs, sc.HTTPResponseStatusCodeKey.Int(status))
	}
	if route != "" {
		attrs = append(attrs, sc.HTTPRouteKey.String(route))
	}
	if errorType != "" {
		attrs = append(attrs, sc.ErrorTypeKey.String(errorType))
	}
	if s.ProtocolVersion != "" {
		attrs = append(attrs, sc.NetworkProtocolVersionKey.String(s.ProtocolVersion))
	}
	return attribute.NewSet(attrs...)
}

// HTTPServerStatus returns the span status of a server response and its
// error.type: only 5xx is an error on the server side (a 4xx is the client's
// fault), and out-of-range codes are errors too. code 0 (unknown) is unset.
func HTTPServerStatus(code int) (codes.Code, string) {
	if code != 0 && (code < 100 || code >= 500) {
		return codes.Error, strconv.Itoa(code)
	}
	return codes.Unset, ""
}

// HTTPClientStatus returns the span status of a client response and its
// error.type: 4xx and 5xx are errors on the client side.
func HTTPClientStatus(code int) (codes.Code, string) {
	if code != 0 && (code < 100 || code >= 400) {
		return codes.Error, strconv.Itoa(code)
	}
	return codes.Unset, ""
}

// serverScheme is url.scheme of the original client request: from
// Forwarded#proto or X-Forwarded-Proto when a proxy says so, else whether the
// connection is TLS.
func serverScheme(r *HTTPServerRequest) string {
	if proto := forwardedParam(r.header("Forwarded"), "proto"); proto != "" {
		return strings.ToLower(proto)
	}
	if proto := firstListItem(r.header("X-Forwarded-Proto")); proto != "" {
		return strings.ToLower(proto)
	}
	if r.TLS {
		return "https"
	}
	return "http"
}

// serverHost is the host[:port] the client addressed: Forwarded#host,
// X-Forwarded-Host, then Host (:authority in HTTP/2).
func serverHost(r *HTTPServerRequest) string {
	if h := forwardedParam(r.header("Forwarded"), "host"); h != "" {
		return h
	}
	if h := firstListItem(r.header("X-Forwarded-Host")); h != "" {
		return h
	}
	return r.Host
}

// forwardedClient is the original client address given by a proxy in
// Forwarded#for or X-Forwarded-For, without a port; "" when there is none.
func forwardedClient(r *HTTPServerRequest) string {
	v := forwardedParam(r.header("Forwarded"), "for")
	if v == "" {
		v = firstListItem(r.header("X-Forwarded-For"))
	}
	if v == "" || strings.HasPrefix(v, "_") || strings.EqualFold(v, "unknown") {
		return "" // obfuscated identifiers (RFC 7239 §6.3) are not addresses
	}
	host, _ := splitHostPort(v)
	return host
}

// forwardedParam returns the value of param in the first element of an RFC
// 7239 Forwarded header, unquoted.
func forwardedParam(header, param string) string {
	if header == "" {
		return ""
	}
	first, _, _ := strings.Cut(header, ",")
	for _, pair := range strings.Split(first, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), param) {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v
	}
	return ""
}

func firstListItem(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// HTTPClient holds the low-cardinality facts of a client request that its
// metric needs once the response is known.
type HTTPClient struct {
	Method        string // http.request.method: a known method or "_OTHER"
	ServerAddress string
	ServerPort    int // -1 when unknown
}

// ReadHTTPClientRequest returns the facts and the span attributes of an
// outgoing request (stable HTTP client span conventions).
func ReadHTTPClientRequest(r *http.Request) (HTTPClient, []attribute.KeyValue) {
	return ReadClientRequest(r.Method, r.URL)
}

// ReadClientRequest returns the facts and the span attributes of an outgoing
// request with this method to u (nil when unknown), for any client.
func ReadClientRequest(rawMethod string, u *url.URL) (HTTPClient, []attribute.KeyValue) {
	attrs := make([]attribute.KeyValue, 0, 6)
	method, original := httpMethod(rawMethod)
	c := HTTPClient{Method: method, ServerPort: -1}
	attrs = append(attrs, sc.HTTPRequestMethodKey.String(method))
	if original {
		attrs = append(attrs, sc.HTTPRequestMethodOriginalKey.String(rawMethod))
	}
	if u != nil {
		attrs = append(attrs, sc.URLFullKey.String(redactURL(u)))
		host, port := splitHostPort(u.Host)
		if port < 0 {
			port = defaultPort(u.Scheme)
		}
		c.ServerAddress, c.ServerPort = host, port
		if host != "" {
			attrs = append(attrs, sc.ServerAddressKey.String(host))
		}
		if port > 0 {
			attrs = append(attrs, sc.ServerPortKey.Int(port))
		}
	}
	return c, attrs
}

// SpanName is the client span name: the method ("HTTP" when unknown).
func (c HTTPClient) SpanName() string { return spanNameMethod(c.Method) }

// ResponseProtocolVersion is network.protocol.version of a response.
func ResponseProtocolVersion(resp *http.Response) string {
	return protocolVersion(resp.ProtoMajor, resp.ProtoMinor)
}

// ProtocolVersionAttribute is the network.protocol.version attribute.
func ProtocolVersionAttribute(v string) attribute.KeyValue {
	return sc.NetworkProtocolVersionKey.String(v)
}

// MetricOptions are the options of http.client.request.duration's Record:
// its attribute set, made once per distinct value (read-only). status 0
// means no response; empty strings are left out.
func (c HTTPClient) MetricOptions(status int, protoVersion, errorType string) []metric.RecordOption {
	return clientSets.get(clientMetricKey{c, status, protoVersion, errorType}, clientMetricSet)
}

type clientMetricKey struct {
	HTTPClient
	status                  int
	protoVersion, errorType string
}

var clientSets setCache[clientMetricKey]

func clientMetricSet(k clientMetricKey) attribute.Set {
	c, status, protoVersion, errorType := k.HTTPClient, k.status, k.protoVersion, k.errorType
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, sc.HTTPRequestMethodKey.String(c.Method))
	if c.ServerAddress != "" {
		attrs = append(attrs, sc.ServerAddressKey.String(c.ServerAddress))
	}
	if c.ServerPort > 0 {
		attrs = append(attrs, sc.ServerPortKey.Int(c.ServerPort))
	}
	if status > 0 {
		attrs = append(attrs, sc.HTTPResponseStatusCodeKey.Int(status))
	}
	if protoVersion != "" {
		attrs = append(attrs, sc.NetworkProtocolVersionKey.String(protoVersion))
	}
	if errorType != "" {
		attrs = append(attrs, sc.ErrorTypeKey.String(errorType))
	}
	return attribute.NewSet(attrs...)
}

// NewHTTPServerDuration creates the http.server.request.duration histogram.
// An error is reported through otel.Handle and a no-op histogram returned.
func NewHTTPServerDuration(m metric.Meter) metric.Float64Histogram {
	return newDuration(m, "http.server.request.duration", "Duration of HTTP server requests.")
}

// NewHTTPClientDuration creates the http.client.request.duration histogram.
// An error is reported through otel.Handle and a no-op histogram returned.
func NewHTTPClientDuration(m metric.Meter) metric.Float64Histogram {
	return newDuration(m, "http.client.request.duration", "Duration of HTTP client requests.")
}

// newDuration creates a request-duration histogram as semconv v1.37.0's
// httpconv package does (same name, description and unit), with autotel's
// bucket boundaries; that package is not used because otel ships it only from
// v1.38.0 on.
func newDuration(m metric.Meter, name, description string) metric.Float64Histogram {
	h, err := m.Float64Histogram(name,
		metric.WithDescription(description),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(HTTPDurationBuckets...))
	if err != nil {
		otel.Handle(err)
		return noop.Float64Histogram{}
	}
	return h
}

// ProtocolVersion is network.protocol.version for HTTP major.minor ("1.1",
// "2"; "" when unknown), for clients that report the version as numbers.
func ProtocolVersion(major, minor int) string { return protocolVersion(major, minor) }

// HTTPDurations are the HTTP duration histograms of one instrumentation (for
// api.NewInstruments).
type HTTPDurations struct {
	Server metric.Float64Histogram // http.server.request.duration
	Client metric.Float64Histogram // http.client.request.duration
}

// NewHTTPDurations creates both histograms with m.
func NewHTTPDurations(m metric.Meter) HTTPDurations {
	return HTTPDurations{Server: NewHTTPServerDuration(m), Client: NewHTTPClientDuration(m)}
}

// Seconds converts a duration to seconds for the duration histograms, never
// negative.
func Seconds(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Seconds()
}

// SetHTTPServerStatus puts the status of a server response on its span:
// http.response.status_code (none for 0, unknown), and for a server error
// error.type and status Error. It returns error.type ("" when none). A span
// that records nothing gets nothing (no attribute built for it).
func SetHTTPServerStatus(span trace.Span, status int) string {
	code, errorType := HTTPServerStatus(status)
	if !span.IsRecording() {
		return errorType
	}
	if status > 0 {
		span.SetAttributes(StatusCodeAttribute(status))
	}
	if code == codes.Error {
		span.SetAttributes(ErrorTypeAttribute(errorType))
		span.SetStatus(codes.Error, "")
	}
	return errorType
}

// SetHTTPClientResult puts the outcome of a client call on its span: err (its
// error.type, status Error with its message) or, without one, the response's
// status (0: no response known) and protocol version ("" when unknown), with
// error.type and status Error for a 4xx or 5xx. It returns error.type ("" when
// none).
func SetHTTPClientResult(span trace.Span, err error, status int, protoVersion string) string {
	if err != nil {
		errorType := ErrorType(err)
		span.SetAttributes(ErrorTypeAttribute(errorType))
		span.SetStatus(codes.Error, err.Error())
		return errorType
	}
	if status == 0 {
		return ""
	}
	span.SetAttributes(StatusCodeAttribute(status))
	if protoVersion != "" {
		span.SetAttributes(ProtocolVersionAttribute(protoVersion))
	}
	code, errorType := HTTPClientStatus(status)
	if code == codes.Error {
		span.SetAttributes(ErrorTypeAttribute(errorType))
		span.SetStatus(codes.Error, "")
	}
	return errorType
}
