package target

type handler struct{ name string }

func (handler) serve(code int) int { return code * 2 }

// Serve calls the unexported method of an unexported type.
func Serve(code int) int { return handler{name: "h"}.serve(code) }
