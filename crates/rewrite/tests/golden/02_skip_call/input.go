package target

import "fmt"

// Divide is skipped by its hook when b is zero, which then supplies the results.
func Divide(a, b int) (q int, err error) { fmt.Println("Divide body runs"); return a / b, nil }
