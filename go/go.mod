module autotel.dev/go

go 1.23
