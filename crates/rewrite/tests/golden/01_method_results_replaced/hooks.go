package hooks

import (
	"errors"
	"fmt"

	"example.com/golden/target"
)

type state struct{ started string }

func doEnter(c **target.Client, req *string) (*state, bool) {
	fmt.Printf("enter: client %s, req %q\n", (*c).Name, *req)
	*req = *req + "+enter"
	return &state{started: *req}, false
}

func doExit(st *state, resp *string, err *error) {
	fmt.Printf("exit: state %q, resp %q, err %v\n", st.started, *resp, *err)
	*resp = *resp + "+exit"
	*err = errors.New("set by exit")
}
