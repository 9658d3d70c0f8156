package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// ensureHostKey returns the PEM of the host key at path, creating an
// ed25519 key (mode 0600, its directory 0700) when there is none. A key
// that others may read is refused: it would let them impersonate the
// server.
func ensureHostKey(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("serve: no host key path")
	}
	data, err := os.ReadFile(path)
	if err == nil {
		st, serr := os.Stat(path)
		if serr == nil && st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("serve: host key %s has mode %v: others may read it (chmod 600 it)", path, st.Mode().Perm())
		}
		if _, perr := gossh.ParsePrivateKey(data); perr != nil {
			return nil, fmt.Errorf("serve: host key %s: %w", path, perr)
		}
		return data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "wfp serve host key")
	if err != nil {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	data = pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("serve: host key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("serve: host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("serve: host key %s: %w", path, err)
	}
	return data, nil
}
