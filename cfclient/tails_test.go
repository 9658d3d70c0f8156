package cfclient

import (
	"errors"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

// TestTailsRESTRoundTrip creates, lists and deletes tails of the
// dispatcher; a second delete is not an error; the cap of 10 open tails is
// an error naming it; a read-only client may tail.
func TestTailsRESTRoundTrip(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, func(o *Options) { o.ReadOnly = true })
	ctx := testCtx(t)
	tl, err := e.c.CreateTail(ctx, "dispatcher", TailFilters{Outcomes: []string{"exception", "exceededCpu"}, Methods: []string{"POST"}})
	if err != nil {
		t.Fatal(err)
	}
	if tl.ID == "" || !strings.HasPrefix(tl.URL, "ws") || tl.ExpiresAt.IsZero() {
		t.Errorf("tail %+v", tl)
	}
	list, err := e.c.ListTails(ctx, "dispatcher")
	if err != nil || len(list) != 1 || list[0].ID != tl.ID || list[0].URL != tl.URL {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := e.c.DeleteTail(ctx, "dispatcher", tl.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DeleteTail(ctx, "dispatcher", tl.ID); err != nil {
		t.Errorf("deleting a tail already gone: %v", err)
	}
	if n := e.sb.OpenTails("dispatcher"); n != 0 {
		t.Errorf("%d open", n)
	}
	var ids []string
	for range 10 {
		tl, err := e.c.CreateTail(ctx, "dispatcher", TailFilters{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tl.ID)
	}
	if _, err := e.c.CreateTail(ctx, "dispatcher", TailFilters{}); err == nil {
		t.Error("an 11th tail should be refused")
	}
	for _, id := range ids {
		if err := e.c.DeleteTail(ctx, "dispatcher", id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.c.CreateTail(ctx, "no-such-script", TailFilters{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a missing script: %v, want ErrNotFound", err)
	}
	for _, f := range []TailFilters{{SamplingRate: 1.5}, {HeaderQuery: "x"}} {
		if _, err := e.c.CreateTail(ctx, "dispatcher", f); !errors.Is(err, ErrValidation) {
			t.Errorf("filters %+v: %v, want a validation error", f, err)
		}
	}
	if got := (TailFilters{SamplingRate: 0.5, Outcomes: []string{"ok"}, HeaderKey: "X-A", ClientIPs: []string{"self"}, Query: "q", ScriptVersion: "v"}).body(); len(got["filters"].([]any)) != 6 {
		t.Errorf("body %v", got)
	}
}
