module bench.local/loadgen

go 1.23.0
