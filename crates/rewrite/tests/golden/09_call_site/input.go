package target

import "fmt"

type Server struct {
	Handler func(n int)
}

// serve calls the handler twice, once inside a function literal; both calls are rewritten.
func (s *Server) serve() {
	s.Handler(1)
	func() { s.Handler(2) }()
	fmt.Println("served")
}

// Serve calls the handler too, but it is not the rule's function: left as it is.
func (s *Server) Serve() {
	s.serve()
	s.Handler(3)
}

// traced stands for what a file rule would add beside the call-site rule.
func (s *Server) traced(n int) {
	fmt.Println("traced", n)
	s.Handler(n)
}
