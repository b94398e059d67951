module autotel.test/attach-unchanged

go 1.22
