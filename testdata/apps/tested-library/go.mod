module example.com/kvlib

go 1.23
