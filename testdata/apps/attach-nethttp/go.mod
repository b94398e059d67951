module autotel.test/attach-nethttp

go 1.23
