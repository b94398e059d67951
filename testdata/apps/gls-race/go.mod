module example.com/gls-race

go 1.23
