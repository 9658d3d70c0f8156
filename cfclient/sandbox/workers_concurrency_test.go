package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	wfp "github.com/cloudflare/cloudflare-go/v6/workers_for_platforms"
)

// send is do() for goroutines: it reports instead of failing the test.
func send(s *Server, method, path string, body []byte, ctype string) (int, []byte, error) {
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestConcurrentWriters runs 8 clients that upload, tag, patch, list and
// delete in one namespace at once (run it with -race).
func TestConcurrentWriters(t *testing.T) {
	s := startSandbox(t, Options{Empty: true})
	mkNamespace(t, s, "prod")
	fillNamespace(s, "prod", 500, parityTags)
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				name := fmt.Sprintf("c-%d-%02d", g, i)
				body, ctype := buildMultipart(t, sdkStyle(`{"main_module":"worker.js","tags":["worker-`+fmt.Sprint(g)+`"]}`)...)
				steps := []struct {
					method, path string
					body         []byte
					ctype        string
				}{
					{"PUT", scriptPath(s, "prod", name), body, ctype},
					{"PUT", scriptPath(s, "prod", name, "tags", "round-"+fmt.Sprint(i)), nil, ""},
					{"PATCH", scriptPath(s, "prod", name, "settings"), []byte(`{"limits":{"cpu_ms":50}}`), "application/json"},
					{"PUT", scriptPath(s, "prod", name, "secrets"), []byte(`{"name":"K","type":"secret_text","text":"v"}`), "application/json"},
					{"GET", nsPath(s, "prod", "scripts") + "?limit=100&tags=even:yes", nil, ""},
					{"PUT", scriptPath(s, "prod", fmt.Sprintf("script-%06d", g*10+i), "tags", "touched"), nil, ""},
				}
				if i%5 == 4 {
					steps = append(steps, struct {
						method, path string
						body         []byte
						ctype        string
					}{"DELETE", scriptPath(s, "prod", name), nil, ""})
				}
				for _, st := range steps {
					status, b, err := send(s, st.method, st.path, st.body, st.ctype)
					if err != nil || status != 200 {
						errs <- fmt.Errorf("%s %s: %d %v %s", st.method, st.path, status, err, b)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	var lp wfp.DispatchNamespaceGetParams
	lp.AccountID.Value, lp.AccountID.Present = s.AccountID(), true
	ns, err := nsService(s).Get(context.Background(), "prod", lp)
	if err != nil || ns.ScriptCount != 500+workers*rounds*4/5 {
		t.Fatalf("script_count %+v, %v", ns, err)
	}
	s.store.Read(func() {
		set := s.store.Namespaces["prod"].Scripts
		if len(set.Names()) != set.Len() || !slices.IsSorted(set.Names()) {
			t.Fatalf("index out of step: %d names, %d scripts", len(set.Names()), set.Len())
		}
		for name, sc := range set.All() {
			if strings.HasPrefix(name, "c-") && (len(sc.Tags) != 2 || *sc.Limits.CPUMs != 50 || len(sc.Bindings) != 1) {
				t.Errorf("%s: tags %v, bindings %d", name, sc.Tags, len(sc.Bindings))
			}
		}
	})
}
