//go:build unix

package cache

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile makes the first size bytes of f readable as data without
// copying them into the heap: the file is mapped read-only, so decoding a
// 150 MB listing does not first grow the heap by 150 MB. The decoder copies
// everything it keeps; release unmaps the file and must be called once
// data is no longer read.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	if size == 0 {
		return nil, func() {}, nil
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map the file: %w", err)
	}
	return data, func() { _ = syscall.Munmap(data) }, nil
}
