module example.com/oldgoline

go 1.20
