module example.com/nethttp-semantics

go 1.23
