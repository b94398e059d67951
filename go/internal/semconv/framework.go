package semconv

// ServerSpanName is the name of a server span for a request with method
// (as received: unknown methods become "HTTP") and route ("" when unknown):
// what HTTPServer.SpanName gives, for callers that only have the method.
// Web-framework hooks use it when they learn the route template.
func ServerSpanName(method, route string) string {
	m, _ := httpMethod(method)
	return HTTPServer{Method: m}.SpanName(route)
}
