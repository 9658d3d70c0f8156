package sandbox

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

func TestZZHeapProfile1M(t *testing.T) {
	out := os.Getenv("ZZPROF")
	if out == "" {
		t.Skip()
	}
	runtime.MemProfileRate = 4096
	st := NewStore(fixedAccountID)
	seedWorld(st, Options{Seed: 1, Scripts: 1000000, Now: fixedSeedNow})
	runtime.GC()
	f, _ := os.Create(out)
	pprof.WriteHeapProfile(f)
	f.Close()
	t.Logf("heap %.0f MB", heapMB())
	runtime.KeepAlive(st)
}
