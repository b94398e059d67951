module example.com/pinned-deps

go 1.23.0

require (
	golang.org/x/net v0.34.0
	golang.org/x/sys v0.30.0
	golang.org/x/text v0.21.0
	google.golang.org/protobuf v1.36.1
)
