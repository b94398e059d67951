module example.com/gls-context

go 1.23
