package target

// Unnamed has no parameter names; the rewrite must name them to take their addresses.
func Unnamed(int, string) error {
	return nil
}

// Blank has a blank parameter and no results.
func Blank(_ int, s string) {
	println("Blank body", s)
}

// Sum is variadic.
func Sum(prefix string, xs ...int) (total int) {
	for _, x := range xs {
		total += x
	}
	return total
}
