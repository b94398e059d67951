module autotel.test/attach-offsets-probe

go 1.21
