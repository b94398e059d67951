//line input.go:1:1
package target

import "fmt"

type Server struct {
	Handler func(n int)
}

// serve calls the handler twice, once inside a function literal; both calls are rewritten.
func (s *Server) serve() {
	s.traced/*line input.go:11:11*/(1)
	func() { s.traced/*line input.go:12:20*/(2) }()
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
