module bench.local/uprobecost

go 1.23.0
