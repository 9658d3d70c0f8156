package sandbox

// STUB: replaced by the persistence work (state file load/save/flush).

type persister struct{}

// openState loads the state file or seeds the world.
func (s *Server) openState() error {
	s.store = NewStore(s.opts.AccountID)
	if !s.opts.Empty {
		seedWorld(s.store, s.opts)
	}
	s.store.reindex()
	return nil
}

// closeState flushes the state file, if any.
func (s *Server) closeState() error { return nil }
