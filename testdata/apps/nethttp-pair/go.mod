module example.com/nethttp-pair

go 1.23
