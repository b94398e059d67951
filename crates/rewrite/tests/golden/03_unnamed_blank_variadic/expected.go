//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

// Unnamed has no parameter names; the rewrite must name them to take their addresses.
func Unnamed(__autotel_p0 /*line input.go:4:14*/int, __autotel_p1 /*line input.go:4:19*/string) (__autotel_r0 error)/*line input.go:4:32*/ { if __autotel_st, __autotel_skip := __autotel_enter_0(&__autotel_p0, &__autotel_p1); __autotel_st != nil { defer __autotel_exit_0(__autotel_st, &__autotel_r0); if __autotel_skip { return } } else if __autotel_skip { return };
	return nil
}

// Blank has a blank parameter and no results.
func Blank(__autotel_p0/*line input.go:9:13*/ int, s string) { if _, __autotel_skip := __autotel_enter_1(&__autotel_p0, &s); __autotel_skip { return };
	println("Blank body", s)
}

// Sum is variadic.
func Sum(prefix string, xs ...int) (total int) { if __autotel_st, __autotel_skip := __autotel_enter_2(&prefix, &xs); __autotel_st != nil { defer __autotel_exit_2(__autotel_st, &total); if __autotel_skip { return } } else if __autotel_skip { return };
	for _, x := range xs {
		total += x
	}
	return total
}

//line autotel_generated.go:1
//go:linkname __autotel_enter_0 example.com/golden/hooks.unnamedEnter
func __autotel_enter_0(*int, *string) (__autotel_unsafe.Pointer, bool)
//go:linkname __autotel_exit_0 example.com/golden/hooks.unnamedExit
func __autotel_exit_0(__autotel_unsafe.Pointer, *error)
//go:linkname __autotel_enter_1 example.com/golden/hooks.blankEnter
func __autotel_enter_1(*int, *string) (__autotel_unsafe.Pointer, bool)
//go:linkname __autotel_enter_2 example.com/golden/hooks.sumEnter
func __autotel_enter_2(*string, *[]int) (__autotel_unsafe.Pointer, bool)
//go:linkname __autotel_exit_2 example.com/golden/hooks.sumExit
func __autotel_exit_2(__autotel_unsafe.Pointer, *int)
