package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wfpconsole/wfp/cfclient/platform"
)

// The routing table's disk cache: the last complete read of the routing
// table, under <store>/routing/table.json, so that a new run
// answers reverse lookups at once instead of spending thousands of
// requests again. It holds the routing namespace's id, when the table was
// read, how many keys were listed, and every route's KV key and raw value
// (tenant text, stored as is and sanitized when rendered): no token, no
// secret. The file is written atomically with mode 0600; a missing,
// unreadable, corrupt, foreign or older-format file is a miss, never an
// error. An unreadable or corrupt file (a routingDamage) is dropped by
// RoutingCache, which says so once; a file stamped in the future (a clock
// skew, between runs or machines) is stale: its real age is unknown.
//
// Layout: one header line "wfprouting <version> <crc32c hex of the rest>\n",
// then one JSON document (routingDiskFile).

const routingDiskVersion = 1

// maxRoutingDiskFile bounds what is read back (a million routes is ~100 MB).
const maxRoutingDiskFile = 512 << 20

type routingDiskFile struct {
	Account   string      `json:"account"`
	Schema    string      `json:"schema"` // routingSchemaKey at write time
	Namespace string      `json:"namespace"`
	ReadAt    time.Time   `json:"read_at"`
	Keys      int         `json:"keys"` // keys listed, route or not
	Routes    [][2]string `json:"routes"`
}

// routingDiskPath is where the account's routing table is cached. The
// directory "routing" cannot clash with a listing cache file (those end in
// ".gob").
func (s *Store) routingDiskPath() string {
	return filepath.Join(s.dir, "routing", "table.json")
}

// routingSchemaKey fingerprints the options that decide which namespace is
// read and which keys are routes: a cache written under other options is
// ignored.
func routingSchemaKey(sc platform.Schema) string {
	r := sc.Routing
	b, _ := json.Marshal([]string{r.KVNamespaceID, r.KVNamespaceTitle, r.HostnamePrefix, r.SubdomainPrefix,
		r.PathPrefix, r.LastUsedPrefix, sc.TiersKey})
	return string(b)
}

// saveRoutingTable writes the table to the disk cache.
func (s *Store) saveRoutingTable(sc platform.Schema, account string, t *platform.RoutingTable, keys int, at time.Time) error {
	if s.dir == "" {
		return nil
	}
	f := routingDiskFile{Account: account, Schema: routingSchemaKey(sc), Namespace: t.NamespaceID,
		ReadAt: at.UTC(), Keys: keys, Routes: make([][2]string, len(t.Routes))}
	for i, r := range t.Routes {
		f.Routes[i] = [2]string{r.KVKey, r.Raw}
	}
	body, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return WriteFileAtomic(s.routingDiskPath(), func(w io.Writer) error {
		if _, err := fmt.Fprintf(w, "wfprouting %d %08x\n", routingDiskVersion, crc32.Checksum(body, castagnoli)); err != nil {
			return err
		}
		_, err := w.Write(body)
		return err
	})
}

// routingDamage is a disk copy that is there but cannot be read back
// (truncated, a flipped byte, not ours at all): it is dropped, and the
// operator is told once.
type routingDamage struct{ reason string }

func (e *routingDamage) Error() string { return "the routing cache file is unreadable: " + e.reason }

// loadRoutingTable reads the disk cache: the table, the number of keys
// that were listed, and when it was read. Any problem is an error the
// caller treats as a miss; a *routingDamage when the file is damaged.
func (s *Store) loadRoutingTable(sc platform.Schema) (*platform.RoutingTable, int, time.Time, error) {
	fail := func(err error) (*platform.RoutingTable, int, time.Time, error) { return nil, 0, time.Time{}, err }
	damaged := func(reason string) (*platform.RoutingTable, int, time.Time, error) {
		return fail(&routingDamage{reason: reason})
	}
	if s.dir == "" {
		return fail(errors.New("no cache directory configured"))
	}
	fh, err := os.Open(s.routingDiskPath())
	if err != nil {
		return fail(err) // not there (or not ours to open): not damage
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxRoutingDiskFile+1))
	if err != nil {
		return damaged("read error")
	}
	if len(data) > maxRoutingDiskFile {
		return damaged("file too large")
	}
	head, body, ok := bytes.Cut(data, []byte("\n"))
	var version int
	var sum string
	if !ok {
		return damaged("no header")
	}
	if n, err := fmt.Sscanf(string(head), "wfprouting %d %s", &version, &sum); n != 2 || err != nil {
		return damaged("bad header")
	}
	if version != routingDiskVersion {
		return fail(fmt.Errorf("version %d, want %d", version, routingDiskVersion))
	}
	want, err := strconv.ParseUint(sum, 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(body, castagnoli) {
		return damaged("checksum mismatch")
	}
	var f routingDiskFile
	if err := json.Unmarshal(body, &f); err != nil {
		return damaged("bad JSON")
	}
	if f.Account != s.account || f.Schema != routingSchemaKey(sc) {
		return fail(errors.New("written for another account or routing schema"))
	}
	if f.Namespace == "" || f.ReadAt.IsZero() {
		return damaged("no namespace or read time")
	}
	if f.ReadAt.After(s.now()) {
		return fail(fmt.Errorf("read at %s, in the future: stale, its age is unknown", f.ReadAt.Format(time.RFC3339)))
	}
	routes := make([]platform.Route, len(f.Routes))
	for i, kv := range f.Routes {
		routes[i] = sc.ParseRoute(kv[0], kv[1])
	}
	return platform.NewRoutingTable(f.Namespace, routes), f.Keys, f.ReadAt, nil
}

// dropRoutingTable removes a damaged disk copy, so that no later run tries
// it again.
func (s *Store) dropRoutingTable() error {
	if s.dir == "" {
		return nil
	}
	err := os.Remove(s.routingDiskPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
