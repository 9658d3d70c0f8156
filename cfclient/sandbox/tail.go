package sandbox

import "time"

// tailHub fans traffic events out to live tails (trace-v1).
type tailHub struct {
	s *Server
}

func newTailHub(s *Server) *tailHub { return &tailHub{s: s} }

// publish sends events to the tails that want them.
func (h *tailHub) publish(now time.Time, evs []*traceEvent) {}

// closeAll closes every tail socket (the sandbox is closing).
func (h *tailHub) closeAll() {}
