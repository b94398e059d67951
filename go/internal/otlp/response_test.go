package otlp

// response_test.go: the hand decoding of responses against messages the
// official protobuf types encode (unknown fields included), and input that
// is not protobuf.

import (
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestPartialSuccessDecoding(t *testing.T) {
	resp := marshal(t, &collogs.ExportLogsServiceResponse{PartialSuccess: &collogs.ExportLogsPartialSuccess{RejectedLogRecords: 1 << 40, ErrorMessage: "quota"}})
	resp = protowire.AppendTag(resp, 99, protowire.BytesType) // a field of a newer release
	resp = protowire.AppendBytes(resp, []byte("later"))
	err := partialSuccess(Logs, resp)
	if err == nil || err.Error() != "OTLP partial success: 1099511627776 log records rejected: quota" {
		t.Errorf("partialSuccess = %v", err)
	}
	for _, accepted := range [][]byte{nil, {0x0a, 0x00}, []byte("<html>ok</html>"), {0x0a, 0x05, 0x08}} {
		if err := partialSuccess(Logs, accepted); err != nil {
			t.Errorf("partialSuccess(%q) = %v, want nil", accepted, err)
		}
	}
}

func TestStatusDecoding(t *testing.T) {
	st, err := status.New(codes.ResourceExhausted, "slow down").WithDetails(
		&errdetails.ErrorInfo{Reason: "QUOTA"},
		&errdetails.RetryInfo{RetryDelay: &durationpb.Duration{Seconds: 2, Nanos: 500_000_000}},
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeStatus(marshal(t, st.Proto()))
	want := rpcStatus{code: 8, message: "slow down", retryDelay: 2500 * time.Millisecond, hasRetryInfo: true}
	if err != nil || got != want {
		t.Errorf("decodeStatus = %+v, %v, want %+v", got, err, want)
	}
	got, err = decodeStatus(marshal(t, status.New(codes.InvalidArgument, "bad").Proto()))
	if want := (rpcStatus{code: 3, message: "bad"}); err != nil || got != want {
		t.Errorf("decodeStatus = %+v, %v, want %+v", got, err, want)
	}
	if _, err := decodeStatus([]byte{0x0a, 0xff}); err != errMalformed {
		t.Errorf("decodeStatus of a truncated message = %v", err)
	}
}
