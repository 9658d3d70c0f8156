//go:build !unix

package cache

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f (where mapping the file is not
// available); release does nothing.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	data = make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func() {}, nil
}
