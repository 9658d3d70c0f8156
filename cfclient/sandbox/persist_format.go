package sandbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
)

// The state file format, version 2:
//
//	wfp-sandbox-state v2\n            a text line: magic and version
//	gob stream of stateRecord values:
//	  {Account}                       first
//	  {Namespace} / {KV}              one per dispatch / KV namespace (headers)
//	  {Owner, Scripts, Blobs, ...}    scripts in batches of recordBatch
//	  {KVID, Keys, Entries}           KV keys in batches of recordBatch
//	  {End}                           last, with totals to detect truncation
//	sha256 <64 hex digits>\n          the SHA-256 of every byte before it
//
// and nothing after the checksum line. The checksum is what makes every
// corruption an error: a flipped byte inside a name or a value still
// decodes, and the totals in End do not see it. Version 1 is version 2
// without the checksum line; it is still read (with nothing allowed after
// End) and rewritten as version 2 at the first save.
//
// Many small records instead of one big value keep gob from buffering the
// whole world in memory. Module contents are written once each (Blobs) and
// referenced by index, because seeded scripts share a handful of contents.
// Measured on a 100,000-script world (see bench_test.go), gob is faster than
// encoding/json both ways (JSON also base64-encodes every []byte).

// stateMagic starts every state file; the version follows it.
const stateMagic = "wfp-sandbox-state v"

// stateVersion is the format version this code writes; it also reads
// stateVersionNoSum.
const (
	stateVersion       = 2
	stateVersionNoSum  = 1
	stateChecksumLabel = "sha256 "
)

// recordBatch is how many scripts or KV keys go into one record.
const recordBatch = 1000

// stateRecord is one gob message of the state file; see the format above.
// Only the fields of one kind of record are set in each.
type stateRecord struct {
	Account string

	Namespace *namespaceRecord // a dispatch namespace, without scripts
	KV        *KVNamespace     // a KV namespace, Keys nil

	// A batch of scripts of namespace Owner (AccountScripts: the account's
	// own). Their Module.Content is nil: ModuleBlobs has the blob index of
	// each module, script after script, and Blobs the contents first seen in
	// this batch (appended to the table of all earlier ones).
	Owner          string
	AccountScripts bool
	Scripts        []scriptRecord
	ModuleBlobs    []int
	Blobs          [][]byte

	// A batch of KV keys of namespace KVID.
	KVID    string
	Keys    []string
	Entries []KVEntry

	End *stateEnd
}

// stateEnd closes the file with totals, so a truncated file is detected.
type stateEnd struct {
	Scripts int
	Keys    int
}

// blobKey identifies a content slice by its backing array.
type blobKey struct {
	p *byte
	n int
}

// encodeState writes st in the state file format.
func encodeState(w io.Writer, st *Store) error {
	sum := sha256.New()
	if err := encodeRecords(io.MultiWriter(w, sum), st); err != nil {
		return err
	}
	_, err := io.WriteString(w, checksumLine(sum.Sum(nil)))
	return err
}

// checksumLine is the last line of a state file whose other bytes have
// this SHA-256.
func checksumLine(sum []byte) string {
	return stateChecksumLabel + hex.EncodeToString(sum) + "\n"
}

// encodeRecords writes the header line and the records of st.
func encodeRecords(w io.Writer, st *Store) error {
	if _, err := fmt.Fprintf(w, "%s%d\n", stateMagic, stateVersion); err != nil {
		return err
	}
	e := &stateEncoder{enc: gob.NewEncoder(w), blobs: map[blobKey]int{}}
	if err := e.enc.Encode(stateRecord{Account: st.AccountID}); err != nil {
		return err
	}
	for _, ns := range st.Namespaces {
		head := namespaceRecord{ID: ns.ID, Name: ns.Name, Trusted: ns.Trusted, CreatedOn: ns.CreatedOn,
			ModifiedOn: ns.ModifiedOn, CreatedBy: ns.CreatedBy, ModifiedBy: ns.ModifiedBy}
		if err := e.enc.Encode(stateRecord{Namespace: &head}); err != nil {
			return err
		}
	}
	for _, kv := range st.KV {
		head := *kv
		head.keys = sortedMap[*KVEntry]{}
		if err := e.enc.Encode(stateRecord{KV: &head}); err != nil {
			return err
		}
	}
	if err := e.scripts(st.AccountScripts, stateRecord{AccountScripts: true}); err != nil {
		return err
	}
	for name, ns := range st.Namespaces {
		if err := e.scripts(ns.Scripts, stateRecord{Owner: name}); err != nil {
			return err
		}
	}
	for id, kv := range st.KV {
		if err := e.keys(id, kv); err != nil {
			return err
		}
	}
	return e.enc.Encode(stateRecord{End: &stateEnd{Scripts: e.nScripts, Keys: e.nKeys}})
}

// stateEncoder carries the blob table and totals through one encoding.
type stateEncoder struct {
	enc             *gob.Encoder
	blobs           map[blobKey]int
	nBlobs          int
	nScripts, nKeys int
}

// scripts writes a script set in batches; rec carries the owner fields.
func (e *stateEncoder) scripts(set *ScriptSet, rec stateRecord) error {
	if set == nil {
		return nil
	}
	batch := make([]scriptRecord, 0, recordBatch)
	var mods []Module
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		r := rec
		r.Scripts, r.ModuleBlobs, r.Blobs = batch, nil, nil
		// Modules go out without content; mods holds the copies.
		mods = mods[:0]
		for i := range batch {
			for _, m := range batch[i].Modules {
				r.ModuleBlobs = append(r.ModuleBlobs, e.blob(m.Content, &r.Blobs))
				m.Content = nil
				mods = append(mods, m)
			}
		}
		off := 0
		for i := range batch {
			n := len(batch[i].Modules)
			batch[i].Modules = mods[off : off+n : off+n]
			off += n
		}
		e.nScripts += len(batch)
		err := e.enc.Encode(r)
		batch = batch[:0]
		return err
	}
	for _, sc := range set.All() {
		batch = append(batch, sc.record())
		if len(batch) == recordBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// blob returns the table index of content, adding it to fresh if new.
func (e *stateEncoder) blob(content []byte, fresh *[][]byte) int {
	if len(content) == 0 {
		return -1
	}
	k := blobKey{&content[0], len(content)}
	if i, ok := e.blobs[k]; ok {
		return i
	}
	e.blobs[k] = e.nBlobs
	e.nBlobs++
	*fresh = append(*fresh, content)
	return e.nBlobs - 1
}

// keys writes a KV namespace's keys in batches.
func (e *stateEncoder) keys(id string, kv *KVNamespace) error {
	r := stateRecord{KVID: id, Keys: make([]string, 0, recordBatch), Entries: make([]KVEntry, 0, recordBatch)}
	for i, key := range kv.Names() {
		entry := kv.EntryAt(i)
		r.Keys = append(r.Keys, key)
		r.Entries = append(r.Entries, *entry)
		if len(r.Keys) == recordBatch {
			if err := e.enc.Encode(r); err != nil {
				return err
			}
			e.nKeys += len(r.Keys)
			r.Keys, r.Entries = r.Keys[:0], r.Entries[:0]
		}
	}
	if len(r.Keys) == 0 {
		return nil
	}
	e.nKeys += len(r.Keys)
	return e.enc.Encode(r)
}

// decodeState reads what encodeState wrote, checks it, and builds the
// indexes. Errors say what is wrong, not which file (the caller adds that).
// A store read from a version 1 file is marked dirty, so that it is saved
// as version 2.
func decodeState(r *bufio.Reader) (*Store, error) {
	sum := sha256.New()
	hr := &hashingReader{r: r, h: sum}
	line, err := hr.readLine()
	if err != nil {
		if err == io.EOF && line == "" {
			return nil, errors.New("the file is empty, not a wfp sandbox state file")
		}
		if err != io.EOF {
			return nil, err
		}
	}
	v, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), stateMagic)
	if !ok {
		return nil, errors.New("not a wfp sandbox state file (it does not start with \"" + stateMagic + "\")")
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, fmt.Errorf("bad format version %q", v)
	}
	if n != stateVersion && n != stateVersionNoSum {
		return nil, fmt.Errorf("format version %d is not supported (this wfp reads versions %d and %d)", n, stateVersionNoSum, stateVersion)
	}
	d := &stateDecoder{in: newInterner(), shared: newRecordInterner()}
	// hr is an io.ByteReader, so gob reads exactly the records from it and
	// no further: the checksum line is left in r.
	dec := gob.NewDecoder(hr)
	for {
		var rec stateRecord
		if err := dec.Decode(&rec); err != nil {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errors.New("the file is truncated")
			}
			return nil, fmt.Errorf("corrupt: %w", err)
		}
		done, err := d.apply(&rec)
		if err != nil {
			return nil, fmt.Errorf("corrupt: %w", err)
		}
		if done {
			break
		}
	}
	if n == stateVersion {
		if err := checkSum(r, sum.Sum(nil)); err != nil {
			return nil, err
		}
	}
	if _, err := r.ReadByte(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, errors.New("corrupt: there are bytes after its end")
	}
	d.st.reindex()
	d.st.dirty = n != stateVersion
	return d.st, nil
}

// checkSum reads the checksum line from r and compares it with want.
func checkSum(r *bufio.Reader, want []byte) error {
	line, err := r.ReadString('\n')
	if err == io.EOF && line == "" {
		return errors.New("the file is truncated (its checksum line is missing)")
	}
	got, ok := strings.CutPrefix(line, stateChecksumLabel)
	if err != nil || !ok || len(got) != 2*sha256.Size+1 {
		return errors.New("corrupt: its checksum line is damaged")
	}
	if got[:2*sha256.Size] != hex.EncodeToString(want) {
		return errors.New("corrupt: its contents do not match its SHA-256 checksum")
	}
	return nil
}

// hashingReader hashes what is read through it. It is an io.ByteReader so
// that gob does not wrap it in a buffer that would read ahead.
type hashingReader struct {
	r *bufio.Reader
	h hash.Hash
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}

func (hr *hashingReader) ReadByte() (byte, error) {
	b, err := hr.r.ReadByte()
	if err == nil {
		hr.h.Write([]byte{b})
	}
	return b, err
}

// readLine reads up to and including "\n".
func (hr *hashingReader) readLine() (string, error) {
	line, err := hr.r.ReadString('\n')
	hr.h.Write([]byte(line))
	return line, err
}

// stateDecoder rebuilds a store record by record.
type stateDecoder struct {
	st              *Store
	blobs           [][]byte
	in              *interner
	shared          *recordInterner
	nScripts, nKeys int
}

// apply adds one record to the store; it reports whether it was the last.
func (d *stateDecoder) apply(rec *stateRecord) (bool, error) {
	if d.st == nil {
		if !isHex32(rec.Account) {
			return false, fmt.Errorf("account id %q is not 32 lower-case hex characters", rec.Account)
		}
		d.st = NewStore(rec.Account)
		return false, nil
	}
	switch {
	case rec.Namespace != nil:
		h := rec.Namespace
		if _, dup := d.st.Namespaces[h.Name]; dup || h.Name == "" {
			return false, fmt.Errorf("namespace %q is empty or repeated", h.Name)
		}
		d.st.Namespaces[h.Name] = &Namespace{ID: h.ID, Name: h.Name, Trusted: h.Trusted, CreatedOn: h.CreatedOn,
			ModifiedOn: h.ModifiedOn, CreatedBy: h.CreatedBy, ModifiedBy: h.ModifiedBy, Scripts: NewScriptSet()}
	case rec.KV != nil:
		kv := rec.KV
		if _, dup := d.st.KV[kv.ID]; dup || kv.ID == "" {
			return false, fmt.Errorf("KV namespace %q is empty or repeated", kv.ID)
		}
		d.st.KV[kv.ID] = kv
	case len(rec.Scripts) > 0:
		return false, d.scripts(rec)
	case len(rec.Keys) > 0:
		kv := d.st.KV[rec.KVID]
		if kv == nil || len(rec.Entries) != len(rec.Keys) {
			return false, fmt.Errorf("keys of unknown KV namespace %q, or keys without values", rec.KVID)
		}
		for i, key := range rec.Keys {
			kv.add(key, &rec.Entries[i])
		}
		d.nKeys += len(rec.Keys)
	case rec.End != nil:
		if rec.End.Scripts != d.nScripts || rec.End.Keys != d.nKeys {
			return false, fmt.Errorf("the file should hold %d scripts and %d keys but holds %d and %d",
				rec.End.Scripts, rec.End.Keys, d.nScripts, d.nKeys)
		}
		if err := d.st.reindexLoaded(); err != nil {
			return false, err
		}
		return true, nil
	default:
		return false, errors.New("a record of unknown kind")
	}
	return false, nil
}

// scripts adds a batch of scripts, restoring module contents from blobs.
func (d *stateDecoder) scripts(rec *stateRecord) error {
	set := d.st.AccountScripts
	if !rec.AccountScripts {
		ns := d.st.Namespaces[rec.Owner]
		if ns == nil {
			return fmt.Errorf("scripts of unknown namespace %q", rec.Owner)
		}
		set = ns.Scripts
	}
	for _, b := range rec.Blobs {
		d.blobs = append(d.blobs, b[:len(b):len(b)])
	}
	next := 0
	for i := range rec.Scripts {
		sc := &rec.Scripts[i]
		if sc.Name == "" {
			return fmt.Errorf("script %q is empty or repeated", sc.Name)
		}
		for j := range sc.Modules {
			if next >= len(rec.ModuleBlobs) {
				return fmt.Errorf("script %q: module %q has no content reference", sc.Name, sc.Modules[j].Name)
			}
			if b := rec.ModuleBlobs[next]; b >= 0 {
				if b >= len(d.blobs) {
					return fmt.Errorf("script %q: module %q refers to missing content %d", sc.Name, sc.Modules[j].Name, b)
				}
				sc.Modules[j].Content = d.blobs[b]
			}
			next++
		}
		for j := range sc.Bindings {
			b := &sc.Bindings[j]
			b.Raw = d.in.bytes(b.Raw)
			b.Name, b.Type = d.in.str(b.Name), d.in.str(b.Type)
		}
		d.in.strs(sc.Tags)
		d.in.strs(sc.Handlers)
		d.in.strs(sc.CompatibilityFlags)
		sc.CompatibilityDate = d.in.str(sc.CompatibilityDate)
		sc.UsageModel = d.in.str(sc.UsageModel)
		set.add(sc.script(d.shared))
	}
	d.nScripts += len(rec.Scripts)
	return nil
}

// interner shares equal byte slices and strings between decoded scripts
// (tags, binding JSON, dates repeat across thousands of them). Byte slices
// are keyed by a hash and compared, so it never holds a second copy.
type interner struct {
	seed    maphash.Seed
	seen    map[uint64][]byte
	strings map[string]string
}

func newInterner() *interner {
	return &interner{seed: maphash.MakeSeed(), seen: map[uint64][]byte{}, strings: map[string]string{}}
}

// str returns the shared copy of s.
func (in *interner) str(s string) string {
	if v, ok := in.strings[s]; ok {
		return v
	}
	in.strings[s] = s
	return s
}

// strs replaces every element of ss with its shared copy.
func (in *interner) strs(ss []string) {
	for i, s := range ss {
		ss[i] = in.str(s)
	}
}

// bytes returns a shared copy of b (capacity clipped), or b itself.
func (in *interner) bytes(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	h := maphash.Bytes(in.seed, b)
	if prev, ok := in.seen[h]; ok {
		if bytes.Equal(prev, b) {
			return prev
		}
		return b
	}
	b = b[:len(b):len(b)]
	in.seen[h] = b
	return b
}
