package jobs

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"

	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/cfclient/change"
)

// Kits is the undo kit store of every job under one directory
// (change.KitStore): a kit is <dir>/<plan id>/kits/<namespace>/<script>.json
// (namespace and script escaped), mode 0600, written atomically and synced before the
// delete it undoes is sent. Its ref, what audit lines and script.restore
// ops name, is that path relative to dir, so it survives a moved state
// directory.
type Kits struct {
	dir string
}

// NewKits keeps kits under dir (the jobs directory).
func NewKits(dir string) *Kits { return &Kits{dir: dir} }

// fileName escapes a name into one safe path segment (never "." or "..").
func fileName(s string) string { return "s-" + url.PathEscape(s) }

// Ref is where the kit of target ns/script deleted by plan planID is kept.
func (k *Kits) Ref(planID, ns, script string) string {
	return path.Join(planID, kitsDir, fileName(ns), fileName(script)+".json")
}

// Save writes kit for plan planID (change.KitStore).
func (k *Kits) Save(planID string, kit *change.Kit) (string, error) {
	if k.dir == "" {
		return "", fmt.Errorf("no state directory for undo kits")
	}
	if err := ValidID(planID); err != nil {
		return "", err
	}
	ref := k.Ref(planID, kit.Namespace, kit.Script)
	p := filepath.Join(k.dir, filepath.FromSlash(ref))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("create the undo kit directory: %w", err)
	}
	err := cache.WriteFileAtomic(p, func(w io.Writer) error { return json.NewEncoder(w).Encode(kit) })
	if err != nil {
		return "", fmt.Errorf("write the undo kit: %w", err)
	}
	return ref, nil
}

// Load reads the kit ref names (change.KitStore). A ref that leaves the
// directory is refused.
func (k *Kits) Load(ref string) (*change.Kit, error) {
	if !filepath.IsLocal(filepath.FromSlash(ref)) {
		return nil, fmt.Errorf("undo kit %q: not a kit reference", ref)
	}
	b, err := os.ReadFile(filepath.Join(k.dir, filepath.FromSlash(ref)))
	if err != nil {
		return nil, fmt.Errorf("read the undo kit: %w", err)
	}
	var kit change.Kit
	if err := json.Unmarshal(b, &kit); err != nil {
		return nil, fmt.Errorf("read the undo kit %s: %w", ref, err)
	}
	return &kit, nil
}

// Exists reports whether the kit ref names was saved.
func (k *Kits) Exists(ref string) bool {
	_, err := os.Stat(filepath.Join(k.dir, filepath.FromSlash(ref)))
	return err == nil
}
