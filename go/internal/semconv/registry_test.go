package semconv

import (
	"bufio"
	"crypto/tls"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// registryDir is the official semantic-conventions registry that the
// project keeps in shared/ (design.md §5), seen from this package.
const registryDir = "../../../../shared/semconv/model"

// registered is what the registry says about one attribute.
type registered struct {
	typ        string // "string", "int", … or "enum"
	deprecated bool
	file       string
}

var attrLine = regexp.MustCompile(`^(\s*)- (?:id|key): ([a-z0-9_.]+)\s*$`)

// loadRegistry reads the attribute definitions of every YAML file of the
// registry outside deprecated/ folders. It reads the few fields it needs
// line by line, which the registry's regular layout allows, so that the
// module needs no YAML parser.
func loadRegistry(t *testing.T) map[string]registered {
	t.Helper()
	reg := map[string]registered{}
	err := filepath.WalkDir(registryDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "deprecated" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		for i, line := range lines {
			m := attrLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			field := m[1] + "  " // the block's keys are indented two more
			r := registered{file: path}
			for _, l := range lines[i+1:] {
				if !strings.HasPrefix(l, field) || strings.HasPrefix(l, m[1]+"- ") {
					if strings.TrimSpace(l) == "" {
						continue
					}
					break
				}
				rest := strings.TrimPrefix(l, field)
				switch {
				case strings.HasPrefix(rest, "type:"):
					r.typ = strings.TrimSpace(strings.TrimPrefix(rest, "type:"))
					if r.typ == "" {
						r.typ = "enum"
					}
				case strings.HasPrefix(rest, "deprecated:"):
					r.deprecated = true
				}
			}
			if r.typ != "" {
				reg[m[2]] = r
			}
		}
		return nil
	})
	if os.IsNotExist(err) {
		t.Skipf("the registry is not at %s (this test runs in the autotel repository)", registryDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(reg) < 100 {
		t.Fatalf("read only %d attributes from %s; has the registry's layout changed?", len(reg), registryDir)
	}
	return reg
}

// TestAttributesAreRegistered checks every attribute key this package emits
// against the official registry: registered, not deprecated, right type.
func TestAttributesAreRegistered(t *testing.T) {
	reg := loadRegistry(t)
	// The reader itself: a known int, a known enum, a deprecated name.
	if reg["server.port"].typ != "int" || reg["http.request.method"].typ != "enum" {
		t.Fatalf("registry reader: server.port %+v, http.request.method %+v", reg["server.port"], reg["http.request.method"])
	}
	if d, ok := reg["http.method"]; ok && !d.deprecated {
		t.Fatalf("registry reader: http.method is registered and not deprecated: %+v", d)
	}

	var all []attribute.KeyValue
	r := httptest.NewRequest("PURGE", "https://h.test:8443/p?q=1", nil)
	r.TLS = &tls.ConnectionState{}
	r.RemoteAddr = "1.2.3.4:5"
	r.Header.Set("User-Agent", "ua")
	facts, kvs := ReadHTTPServerRequest(r)
	all = append(all, kvs...)
	set := recorded(facts.MetricOptions(500, "/p", "500"))
	all = append(all, set.ToSlice()...)
	all = append(all, RouteAttribute("/p"), StatusCodeAttribute(500), ErrorTypeAttribute("500"), ProtocolVersionAttribute("2"))

	cr, _ := http.NewRequest("PURGE", "https://u:p@h.test/x", nil)
	cfacts, ckvs := ReadHTTPClientRequest(cr)
	all = append(all, ckvs...)
	set = recorded(cfacts.MetricOptions(200, "1.1", "timeout"))
	all = append(all, set.ToSlice()...)

	rpc := GRPCCall{Method: "pkg.Svc/M", Address: "h.test", Port: 50051}
	all = append(all, rpc.SpanAttributes()...)
	set = recorded(rpc.MetricOptions(5, "NOT_FOUND", true))
	all = append(all, set.ToSlice()...)
	all = append(all, PeerAttributes(&net.TCPAddr{IP: net.IPv4(1, 2, 3, 4), Port: 5})...)

	all = append(all, ServiceNameKey.String("s"), TelemetryDistroNameKey.String("autotel"), TelemetryDistroVersionKey.String("0"))

	for _, kv := range all {
		key := string(kv.Key)
		def, ok := reg[key]
		switch {
		case !ok:
			t.Errorf("%s is not in the registry", key)
		case def.deprecated:
			t.Errorf("%s is deprecated (%s)", key, def.file)
		case def.typ == "enum":
			if kv.Value.Type() != attribute.STRING && kv.Value.Type() != attribute.INT64 {
				t.Errorf("%s is an enum, emitted as %s", key, kv.Value.Type())
			}
		case def.typ == "string" && kv.Value.Type() != attribute.STRING,
			def.typ == "int" && kv.Value.Type() != attribute.INT64:
			t.Errorf("%s has type %s in the registry, emitted as %s", key, def.typ, kv.Value.Type())
		}
	}
}
