package mongoconv

import "encoding/binary"

// BSON element types (bsonspec.org) the readers below need by name.
const (
	typeDouble   = 0x01
	typeString   = 0x02
	typeDocument = 0x03
	typeArray    = 0x04
	typeObjectID = 0x07
	typeBool     = 0x08
	typeDateTime = 0x09
	typeNull     = 0x0A
	typeInt32    = 0x10
	typeInt64    = 0x12
)

// reader walks the elements of one BSON document without copying it. A
// malformed document ends the walk and sets err.
type reader struct {
	rest []byte // the elements not read yet (the final 0x00 included)
	err  bool
}

// element is one element: its type, key and value bytes.
type element struct {
	typ byte
	key string
	val []byte
}

// str is the value of a string element (without its length and final NUL).
func (e element) str() string {
	if len(e.val) < 5 {
		return ""
	}
	return string(e.val[4 : len(e.val)-1])
}

// document returns a reader over raw, or nil when raw is not one whole
// document.
func document(raw []byte) *reader {
	if len(raw) < 5 {
		return nil
	}
	n := int(int32(binary.LittleEndian.Uint32(raw)))
	if n < 5 || n > len(raw) || raw[n-1] != 0 {
		return nil
	}
	return &reader{rest: raw[4:n]}
}

// next returns the next element; ok is false at the end or on malformed input.
func (r *reader) next() (element, bool) {
	if r.err || len(r.rest) <= 1 {
		return element{}, false
	}
	typ := r.rest[0]
	keyEnd := -1
	for i := 1; i < len(r.rest); i++ {
		if r.rest[i] == 0 {
			keyEnd = i
			break
		}
	}
	if keyEnd < 0 {
		r.err = true
		return element{}, false
	}
	key := string(r.rest[1:keyEnd])
	body := r.rest[keyEnd+1:]
	size := valueSize(typ, body)
	if size < 0 || size > len(body) {
		r.err = true
		return element{}, false
	}
	r.rest = body[size:]
	return element{typ: typ, key: key, val: body[:size]}, true
}

// lookupString returns the value of the first string element named key.
func (r *reader) lookupString(key string) (string, bool) {
	for {
		e, ok := r.next()
		if !ok {
			return "", false
		}
		if e.key == key && e.typ == typeString {
			return e.str(), true
		}
	}
}

// valueSize is the length of a value of type typ at the start of b, or -1.
func valueSize(typ byte, b []byte) int {
	i32 := func(at int) int {
		if len(b) < at+4 {
			return -1
		}
		return int(int32(binary.LittleEndian.Uint32(b[at:])))
	}
	cstring := func(at int) int {
		for i := at; i < len(b); i++ {
			if b[i] == 0 {
				return i + 1 - at
			}
		}
		return -1
	}
	switch typ {
	case typeDouble, typeDateTime, typeInt64, 0x11: // 0x11: timestamp
		return 8
	case typeString, 0x0D, 0x0E: // string, JavaScript code, symbol
		if n := i32(0); n >= 1 {
			return 4 + n
		}
		return -1
	case typeDocument, typeArray, 0x0F: // 0x0F: code with scope (its length covers it all)
		if n := i32(0); n >= 5 {
			return n
		}
		return -1
	case 0x05: // binary: length, subtype, bytes
		if n := i32(0); n >= 0 {
			return 5 + n
		}
		return -1
	case 0x06, typeNull, 0xFF, 0x7F: // undefined, null, min key, max key
		return 0
	case typeObjectID:
		return 12
	case typeBool:
		return 1
	case 0x0B: // regex: pattern and options, two C strings
		p := cstring(0)
		if p < 0 {
			return -1
		}
		o := cstring(p)
		if o < 0 {
			return -1
		}
		return p + o
	case 0x0C: // DBPointer: string and ObjectId
		if n := i32(0); n >= 1 {
			return 4 + n + 12
		}
		return -1
	case typeInt32:
		return 4
	case 0x13: // decimal128
		return 16
	}
	return -1
}
