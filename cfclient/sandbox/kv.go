package sandbox

// STUB: replaced by the KV endpoints work.

func (s *Server) kvRoutes() []route { return nil }
