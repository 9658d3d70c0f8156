package sandbox

// STUB: replaced by the Workers endpoints work.

func (s *Server) workerRoutes() []route { return nil }
