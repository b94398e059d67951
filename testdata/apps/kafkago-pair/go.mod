module autotel.test/kafkago-pair

go 1.23

require github.com/segmentio/kafka-go v0.4.1

require (
	github.com/golang/snappy v0.0.1 // indirect
	github.com/klauspost/compress v1.15.9 // indirect
	github.com/pierrec/lz4 v2.0.5+incompatible // indirect
)
