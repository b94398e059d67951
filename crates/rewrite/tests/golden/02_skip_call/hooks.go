package hooks

import "errors"

type state struct{ skipped bool }

func divideEnter(a, b *int) (*state, bool) {
	if *b == 0 {
		return &state{skipped: true}, true
	}
	return nil, false
}

func divideExit(st *state, q *int, err *error) {
	if st.skipped {
		*q, *err = -1, errors.New("division by zero (skipped)")
	}
}
