module example.com/pinned-deps

go 1.23.0

require (
	golang.org/x/net v0.23.0
	golang.org/x/sys v0.33.0
	golang.org/x/text v0.14.0
	google.golang.org/protobuf v1.30.0
)
