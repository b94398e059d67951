package mongoconv

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// bsonOfJSON encodes a JSON object as a BSON document, keys in their order:
// integers as int32 (int64 when larger), other numbers as doubles.
func bsonOfJSON(t *testing.T, js []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", js)
	}
	return encodeDoc(t, dec, '}')
}

func encodeDoc(t *testing.T, dec *json.Decoder, end json.Delim) []byte {
	var body []byte
	for i := 0; ; i++ {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok == end {
			break
		}
		key := strconv.Itoa(i)
		if end == '}' {
			key = tok.(string)
			if tok, err = dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
		typ, val := encodeValue(t, dec, tok)
		body = append(body, typ)
		body = append(append(body, key...), 0)
		body = append(body, val...)
	}
	doc := binary.LittleEndian.AppendUint32(nil, uint32(len(body)+5))
	return append(append(doc, body...), 0)
}

func encodeValue(t *testing.T, dec *json.Decoder, tok json.Token) (byte, []byte) {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return typeDocument, encodeDoc(t, dec, '}')
		}
		return typeArray, encodeDoc(t, dec, ']')
	case string:
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(v)+1))
		return typeString, append(append(b, v...), 0)
	case bool:
		if v {
			return typeBool, []byte{1}
		}
		return typeBool, []byte{0}
	case nil:
		return typeNull, nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			if n == int64(int32(n)) {
				return typeInt32, binary.LittleEndian.AppendUint32(nil, uint32(int32(n)))
			}
			return typeInt64, binary.LittleEndian.AppendUint64(nil, uint64(n))
		}
		f, _ := v.Float64()
		return typeDouble, binary.LittleEndian.AppendUint64(nil, math.Float64bits(f))
	}
	t.Fatalf("unexpected JSON token %v", tok)
	return 0, nil
}

func TestQueryText(t *testing.T) {
	cases := []struct{ doc, sanitized, kept string }{
		{`{"find":"users","filter":{"name":"alice","n":{"$in":[1,2.5]}},"lsid":{"id":"x"},"$db":"shop"}`,
			`{"find":"users","filter":{"name":?,"n":{"$in":[?,?]}}}`,
			`{"find":"users","filter":{"name":"alice","n":{"$in":[1,2.5]}}}`},
		{`{"aggregate":1,"pipeline":[{"$match":{"ok":true}}],"cursor":{}}`,
			`{"aggregate":?,"pipeline":[{"$match":{"ok":?}}],"cursor":{}}`,
			`{"aggregate":1,"pipeline":[{"$match":{"ok":true}}],"cursor":{}}`},
		{`{"update":"u","updates":[{"q":{"_id":5000000000},"u":{"$set":{"v":null}}}]}`,
			`{"update":"u","updates":[{"q":{"_id":?},"u":{"$set":{"v":?}}}]}`,
			`{"update":"u","updates":[{"q":{"_id":5000000000},"u":{"$set":{"v":null}}}]}`},
	}
	for _, c := range cases {
		raw := bsonOfJSON(t, []byte(c.doc))
		if got := QueryText(raw, true); got != c.sanitized {
			t.Errorf("sanitized %s:\n got %s\nwant %s", c.doc, got, c.sanitized)
		}
		if got := QueryText(raw, false); got != c.kept {
			t.Errorf("kept %s:\n got %s\nwant %s", c.doc, got, c.kept)
		}
	}
}

// A malformed or truncated document gives no text, never a panic.
func TestQueryTextOfMalformedDocuments(t *testing.T) {
	raw := bsonOfJSON(t, []byte(`{"find":"users","filter":{"name":"alice"}}`))
	for n := 0; n < len(raw); n++ {
		if got := QueryText(raw[:n], true); got != "" {
			t.Errorf("%d of %d bytes: %q", n, len(raw), got)
		}
	}
	bad := append([]byte(nil), raw...)
	bad[4] = 0x42 // an unknown element type
	if got := QueryText(bad, true); got != "" {
		t.Errorf("unknown type: %q", got)
	}
}

func TestLongTextIsCut(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"insert":"u","documents":[`)
	for i := 0; i < 2000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"_id":1}`)
	}
	b.WriteString(`]}`)
	got := QueryText(bsonOfJSON(t, b.Bytes()), true)
	if len(got) > maxQueryText+len("…") || len(got) < maxQueryText-16 {
		t.Errorf("%d bytes, want about %d", len(got), maxQueryText)
	}
}

func TestServerOf(t *testing.T) {
	for id, want := range map[string]struct {
		host string
		port int
	}{
		"127.0.0.1:27017[-12]":        {"127.0.0.1", 27017},
		"db.example:27018":            {"db.example", 27018},
		"[::1]:27017[-1]":             {"::1", 27017},
		"/tmp/mongodb-27017.sock[-2]": {"/tmp/mongodb-27017.sock", 0},
	} {
		if h, p := ServerOf(id); h != want.host || p != want.port {
			t.Errorf("%s: %s %d, want %s %d", id, h, p, want.host, want.port)
		}
	}
}

func TestFailureOfMessage(t *testing.T) {
	if f := FailureOfMessage("(NamespaceNotFound) ns not found"); f.CodeName != "NamespaceNotFound" || f.Code != 0 {
		t.Errorf("%+v", f)
	}
	if f := FailureOfMessage("connection(127.0.0.1:1[-1]) incomplete read"); f.CodeName != "" {
		t.Errorf("a network error has no code name: %+v", f)
	}
}
