package sandbox

// STUB: replaced by the seed work.

func seedWorld(st *Store, opts Options) {}
