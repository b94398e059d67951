module autotel.test/attach-cgo

go 1.22
