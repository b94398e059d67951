package nethttp

// The contract test checks the hooks against the real net/http of the Go
// toolchain running the tests, rewritten the way autotel rewrites it: it
// builds testdata/contract with an -overlay that adds the trampolines of
// ARCHITECTURE.md ("The hook contract") to serverHandler.ServeHTTP,
// (*ServeMux).ServeHTTP and (*Transport).RoundTrip, the body-less
// declarations pulled from this package, and the files of the file rules
// (rules/files/nethttp_status*.go, for this Go's HTTP/2 layout). It catches
// what the unit tests cannot: a hook signature that does not match its trampoline, a target function
// that changed shape, and the status accessors against net/http's real
// unexported fields, over HTTP/1.1 and HTTP/2.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rulesDir holds the rule files, seen from this package.
const rulesDir = "../../../rules"

// trampoline describes one function rule of rules/nethttp.yaml.
type trampoline struct {
	file      string // file of net/http that declares the target
	signature string // the target's declaration line up to "{", as in the source
	renamed   string // the same with its results named, "" when unchanged
	params    string // pointers to receiver and parameters
	results   string // pointers to the named results
	declEnter string // parameter types of the enter declaration
	declExit  string // parameter types of the exit declaration after the state
	enter     string // hook function names
	exit      string
}

var trampolines = []trampoline{
	{
		file:      "server.go",
		signature: "func (sh serverHandler) ServeHTTP(rw ResponseWriter, req *Request) {",
		params:    "&sh, &rw, &req",
		declEnter: "*serverHandler, *ResponseWriter, **Request",
		enter:     "serverEnter", exit: "serverExit",
	},
	{
		file:      "server.go",
		signature: "func (mux *ServeMux) ServeHTTP(w ResponseWriter, r *Request) {",
		params:    "&mux, &w, &r",
		declEnter: "**ServeMux, *ResponseWriter, **Request",
		enter:     "muxEnter", exit: "muxExit",
	},
	{
		file:      "roundtrip.go",
		signature: "func (t *Transport) RoundTrip(req *Request) (*Response, error) {",
		renamed:   "func (t *Transport) RoundTrip(req *Request) (__autotel_r0 *Response, __autotel_r1 error) {",
		params:    "&t, &req",
		results:   ", &__autotel_r0, &__autotel_r1",
		declEnter: "**Transport, **Request",
		declExit:  ", **Response, *error",
		enter:     "clientEnter", exit: "clientExit",
	},
	{
		file:      "server.go",
		signature: "func (w *response) Hijack() (rwc net.Conn, buf *bufio.ReadWriter, err error) {",
		params:    "&w",
		results:   ", &rwc, &buf, &err",
		declEnter: "**response",
		declExit:  ", *net.Conn, **bufio.ReadWriter, *error",
		enter:     "hijackEnter", exit: "hijackExit",
	},
}

// structFields are the struct_field rules of rules/nethttp.yaml: the field
// added at the start of its struct, in the file that declares it.
var structFields = []struct{ file, decl, field string }{
	// unsafe.Pointer by an alias that the declarations' file defines: server.go
	// imports unsafe only blank (autotel's rewriter adds the import).
	{"server.go", "type response struct {", "autotel_server autotelPointer;"},
}

// overlay writes the rewritten net/http files and returns the -overlay file.
func overlay(t *testing.T, goroot, dir string) string {
	t.Helper()
	src := filepath.Join(goroot, "src", "net", "http")
	replace := map[string]string{}
	edited := map[string]string{}
	var decls strings.Builder
	decls.WriteString("package http\n\nimport (\n\t\"bufio\"\n\t\"net\"\n\t\"unsafe\"\n)\n\ntype autotelPointer = unsafe.Pointer\n")
	for i, tr := range trampolines {
		text, ok := edited[tr.file]
		if !ok {
			b, err := os.ReadFile(filepath.Join(src, tr.file))
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		}
		if strings.Count(text, tr.signature) != 1 {
			t.Fatalf("%s: %q is not declared exactly once: the target changed shape", tr.file, tr.signature)
		}
		head := tr.signature
		if tr.renamed != "" {
			head = tr.renamed
		}
		n := i + 1
		prologue := fmt.Sprintf(" if __autotel_st, __autotel_skip := __autotel_enter_%d(%s); __autotel_st != nil { defer __autotel_exit_%d(__autotel_st%s); if __autotel_skip { return } } else if __autotel_skip { return };",
			n, tr.params, n, tr.results)
		edited[tr.file] = strings.Replace(text, tr.signature, head+prologue, 1)
		fmt.Fprintf(&decls, "\n//go:linkname __autotel_enter_%d autotel.dev/go/hooks/nethttp.%s\nfunc __autotel_enter_%d(%s) (unsafe.Pointer, bool)\n", n, tr.enter, n, tr.declEnter)
		fmt.Fprintf(&decls, "\n//go:linkname __autotel_exit_%d autotel.dev/go/hooks/nethttp.%s\nfunc __autotel_exit_%d(unsafe.Pointer%s)\n", n, tr.exit, n, tr.declExit)
	}
	for _, f := range structFields {
		text := edited[f.file] // a file the trampolines edit
		if strings.Count(text, f.decl) != 1 {
			t.Fatalf("%s: %q is not declared exactly once", f.file, f.decl)
		}
		edited[f.file] = strings.Replace(text, f.decl, f.decl+" "+f.field, 1)
	}
	write := func(name, text string, target string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[target] = p
	}
	for file, text := range edited {
		write(file, text, filepath.Join(src, file))
	}
	write("autotel_trampolines.go", decls.String(), filepath.Join(src, "autotel_trampolines.go"))
	// The HTTP/2 status files follow the layout of this Go (rules/nethttp.yaml,
	// one_of http2_status): up to 1.26 net/http bundles HTTP/2 (h2_bundle.go),
	// from 1.27 it wraps net/http/internal/http2's ResponseWriter.
	added := map[string]string{"nethttp_status.go": src, "nethttp_hijack.go": src}
	if _, err := os.Stat(filepath.Join(src, "h2_bundle.go")); err == nil {
		added["nethttp_status_h2.go"] = src
	} else {
		added["nethttp_status_h2_wrapper.go"] = src
		added["nethttp_status_h2_internal.go"] = filepath.Join(src, "internal", "http2")
	}
	for f, pkg := range added {
		b, err := os.ReadFile(filepath.Join(rulesDir, "files", f))
		if err != nil {
			t.Fatal(err)
		}
		write(f, string(b), filepath.Join(pkg, "autotel_"+f))
	}
	js, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(p, js, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type contractSpan struct {
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	Trace    string            `json:"trace"`
	ID       string            `json:"id"`
	Parent   string            `json:"parent"`
	Status   string            `json:"status"`
	Attrs    map[string]string `json:"attrs"`
	Duration int64             `json:"duration"` // nanoseconds
}

// upgradeHold is how long testdata/contract's client holds an upgraded
// connection open (its upgradeHold).
const upgradeHold = 500 * time.Millisecond

func TestContractWithRewrittenNetHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds net/http with an overlay")
	}
	goroot, env := goEnvironment(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "contract")
	build := exec.Command(filepath.Join(goroot, "bin", "go"), "build", "-overlay", overlay(t, goroot, dir), "-o", bin, "./testdata/contract")
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building with the rewritten net/http: %v\n%s", err, out)
	}
	run := exec.Command(bin)
	var stderr strings.Builder
	run.Stderr = &stderr
	stdout, err := run.Output()
	if err != nil {
		t.Fatalf("running: %v\n%s", err, stderr.String())
	}

	var spans []contractSpan
	sc := bufio.NewScanner(strings.NewReader(string(stdout)))
	for sc.Scan() {
		var s contractSpan
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		spans = append(spans, s)
	}
	byID := map[string]contractSpan{}
	var root contractSpan
	for _, s := range spans {
		byID[s.ID] = s
		if s.Name == "root" {
			root = s
		}
	}

	// Each server span, with the client span it is the child of.
	// status is the client's; serverStatus the server span's ("" when it
	// has none). An upgraded exchange's spans end before the client closes
	// the connection it held open.
	type exchange struct {
		serverName, path, status, serverStatus, protocol, spanStatus string
		upgraded                                                     bool
	}
	want := []exchange{
		{"GET /items/{id}", "/items/42", "201", "201", "1.1", "Unset", false},
		{"GET /boom", "/boom", "500", "500", "1.1", "Error", false},
		{"GET /quiet", "/quiet", "200", "200", "1.1", "Unset", false},
		{"GET /items/{id}", "/items/7", "201", "201", "2", "Unset", false},
		// WriteHeader(101), then Hijack: net/http sent the 101.
		{"GET /upgrade/header", "/upgrade/header", "101", "101", "1.1", "Unset", true},
		// Hijack, then a 101 on the raw connection: net/http saw no status.
		{"GET /upgrade/raw", "/upgrade/raw", "101", "", "1.1", "Unset", true},
		// The same, announced as the gorillawebsocket hook does: its 101.
		{"GET /upgrade/announced", "/upgrade/announced", "101", "101", "1.1", "Unset", true},
	}
	var servers []contractSpan
	for _, s := range spans {
		if s.Kind == "server" {
			servers = append(servers, s)
		}
	}
	if len(servers) != len(want) || len(spans) != 1+2*len(want) {
		t.Fatalf("%d spans, %d of them server spans; want %d and %d:\n%s", len(spans), len(servers), 1+2*len(want), len(want), stdout)
	}
	for _, w := range want {
		var srv *contractSpan
		for i := range servers {
			if servers[i].Attrs["url.path"] == w.path {
				srv = &servers[i]
			}
		}
		if srv == nil {
			t.Errorf("no server span for %s", w.path)
			continue
		}
		if w.upgraded && srv.Duration >= int64(upgradeHold/2) {
			t.Errorf("%s: the server span lasted %v: it did not end when the connection was hijacked", w.path, time.Duration(srv.Duration))
		}
		if srv.Name != w.serverName || srv.Attrs["http.response.status_code"] != w.serverStatus ||
			srv.Attrs["network.protocol.version"] != w.protocol || srv.Status != w.spanStatus {
			t.Errorf("%s: server span %q status code %q protocol %q status %s; want %q %q %q %s",
				w.path, srv.Name, srv.Attrs["http.response.status_code"], srv.Attrs["network.protocol.version"], srv.Status,
				w.serverName, w.serverStatus, w.protocol, w.spanStatus)
		}
		client, ok := byID[srv.Parent]
		if !ok || client.Kind != "client" || client.Name != "GET" {
			t.Errorf("%s: the server span's parent %s is not a client span", w.path, srv.Parent)
			continue
		}
		if w.upgraded && client.Duration >= int64(upgradeHold/2) {
			t.Errorf("%s: the client span lasted %v: it did not end when the 101 arrived", w.path, time.Duration(client.Duration))
		}
		if client.Parent != root.ID || client.Trace != root.Trace || srv.Trace != root.Trace {
			t.Errorf("%s: client span not a child of root in root's trace", w.path)
		}
		if client.Attrs["http.response.status_code"] != w.status || client.Attrs["network.protocol.version"] != w.protocol {
			t.Errorf("%s: client span status code %q protocol %q, want %q %q",
				w.path, client.Attrs["http.response.status_code"], client.Attrs["network.protocol.version"], w.status, w.protocol)
		}
	}
}

// goEnvironment returns the GOROOT of the toolchain running the tests and
// the environment for its go command. Since Go 1.25 the go command refuses
// overlays of files beneath GOMODCACHE, which is where a toolchain selected
// with GOTOOLCHAIN lives; the build then gets its own module cache, filled
// from the shared one (GOPROXY=file://…), so nothing is downloaded.
func goEnvironment(t *testing.T) (string, []string) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("go env: %q", out)
	}
	goroot, modcache := lines[0], lines[1]
	env := append(os.Environ(), "GOTOOLCHAIN=local")
	if rel, err := filepath.Rel(modcache, goroot); err == nil && !strings.HasPrefix(rel, "..") {
		env = append(env,
			"GOMODCACHE="+filepath.Join(t.TempDir(), "modcache"),
			"GOPROXY=file://"+filepath.ToSlash(filepath.Join(modcache, "cache", "download")),
			"GOFLAGS=-modcacherw")
	}
	return goroot, env
}
