package otlp

// response.go owns the few protobuf messages the transport reads, decoded by
// hand from the wire format (unknown fields skipped):
//   - Export{Trace,Metrics,Logs}ServiceResponse: partial_success (1) =
//     { rejected_{spans,data_points,log_records} (1, int64), error_message (2) },
//     the same shape for the three signals;
//   - google.rpc.Status: code (1), message (2), details (3, repeated Any
//     {type_url (1), value (2)}), the body of a failed OTLP/HTTP export and
//     gRPC's grpc-status-details-bin;
//   - google.rpc.RetryInfo: retry_delay (1) = google.protobuf.Duration
//     {seconds (1), nanos (2)}, a status detail.

import (
	"encoding/binary"
	"errors"
	"time"
)

var errMalformed = errors.New("malformed protobuf message")

// field is one decoded field: varint holds a varint (or fixed) value, data a
// length-delimited one's bytes.
type field struct {
	num    int
	varint uint64
	data   []byte
}

// fields calls fn for every field of the message b.
func fields(b []byte, fn func(field)) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 || tag>>3 == 0 {
			return errMalformed
		}
		b = b[n:]
		f := field{num: int(tag >> 3)}
		switch tag & 7 {
		case 0: // varint
			f.varint, n = binary.Uvarint(b)
			if n <= 0 {
				return errMalformed
			}
			b = b[n:]
		case 1: // fixed64
			if len(b) < 8 {
				return errMalformed
			}
			f.varint, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2: // length-delimited
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errMalformed
			}
			f.data, b = b[n:n+int(l)], b[n+int(l):]
		case 5: // fixed32
			if len(b) < 4 {
				return errMalformed
			}
			f.varint, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return errMalformed
		}
		fn(f)
	}
	return nil
}

// partialSuccess reads an Export*ServiceResponse: the error to return when
// the collector rejected data or said why (nil otherwise). A response it
// cannot decode is the success its status says: the data was accepted.
func partialSuccess(s Signal, resp []byte) error {
	var ps []byte
	found := false
	if err := fields(resp, func(f field) {
		if f.num == 1 && f.data != nil {
			ps, found = f.data, true
		}
	}); err != nil || !found {
		return nil
	}
	e := &PartialSuccessError{Signal: s}
	if err := fields(ps, func(f field) {
		switch {
		case f.num == 1:
			e.Rejected = int64(f.varint)
		case f.num == 2 && f.data != nil:
			e.Message = string(f.data)
		}
	}); err != nil {
		return nil
	}
	if e.Rejected == 0 && e.Message == "" {
		return nil
	}
	return e
}

// rpcStatus is a decoded google.rpc.Status.
type rpcStatus struct {
	code    int
	message string
	// retryDelay is the RetryInfo detail's delay; hasRetryInfo says whether
	// there was one (a zero delay is a valid answer).
	retryDelay   time.Duration
	hasRetryInfo bool
}

const retryInfoType = "type.googleapis.com/google.rpc.RetryInfo"

func decodeStatus(b []byte) (rpcStatus, error) {
	var st rpcStatus
	var details [][]byte
	err := fields(b, func(f field) {
		switch {
		case f.num == 1:
			st.code = int(int32(f.varint))
		case f.num == 2 && f.data != nil:
			st.message = string(f.data)
		case f.num == 3 && f.data != nil:
			details = append(details, f.data)
		}
	})
	if err != nil {
		return st, err
	}
	for _, d := range details {
		var typeURL string
		var value []byte
		if err := fields(d, func(f field) {
			switch f.num {
			case 1:
				typeURL = string(f.data)
			case 2:
				value = f.data
			}
		}); err != nil {
			return st, err
		}
		if typeURL != retryInfoType {
			continue
		}
		var delay []byte
		if err := fields(value, func(f field) {
			if f.num == 1 {
				delay = f.data
			}
		}); err != nil {
			return st, err
		}
		var secs, nanos int64
		if err := fields(delay, func(f field) {
			switch f.num {
			case 1:
				secs = int64(f.varint)
			case 2:
				nanos = int64(int32(f.varint))
			}
		}); err != nil {
			return st, err
		}
		st.hasRetryInfo = true
		secs = min(max(secs, 0), 1<<32) // no overflow: such a delay outlasts every export anyway
		st.retryDelay = time.Duration(secs)*time.Second + time.Duration(nanos)
		if st.retryDelay < 0 {
			st.retryDelay = 0
		}
	}
	return st, nil
}
