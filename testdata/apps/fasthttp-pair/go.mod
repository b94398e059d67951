module autotel.test/fasthttp-pair

go 1.23.0

require (
	github.com/valyala/fasthttp v1.51.0
	go.opentelemetry.io/otel/trace v1.36.0
)

require (
	github.com/andybalholm/brotli v1.0.5 // indirect
	github.com/klauspost/compress v1.17.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	go.opentelemetry.io/otel v1.36.0 // indirect
)
