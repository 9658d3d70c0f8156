package namespaces

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/sandbox"
	"github.com/wfpconsole/wfp/internal/sandboxtest"
	"github.com/wfpconsole/wfp/ui"
)

// now is the clock of the sandbox and of the screen, so dates are stable.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// start runs a seeded sandbox (1,234 production scripts) and a namespaces
// screen on it; mod adjusts the client options.
func start(t *testing.T, w, h int, mod func(*cfclient.Options)) (*sandboxtest.Env, *driver) {
	t.Helper()
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: 1234, Now: clock}, nil)
	src := e.Client
	if mod != nil {
		src = e.NewClient(t, mod)
	}
	c := ui.NewCommon(t.Context(), clock, func() ui.HeaderInfo { return ui.HeaderInfo{Account: "acct-1"} })
	s, err := Factory(src, Changes{})(c, ui.Route{Kind: ui.KindNamespaces})
	if err != nil {
		t.Fatal(err)
	}
	return e, newDriver(t, s, w, h)
}

func TestLoadsAndRendersTheTable(t *testing.T) {
	_, d := start(t, 80, 20, nil)
	if !strings.Contains(d.View(), "loading namespaces…") {
		t.Errorf("before the listing arrives the screen should say it is loading:\n%s", d.View())
	}
	if !d.S.(ui.DataAger).DataAge().IsZero() {
		t.Error("DataAge before the first listing should be zero")
	}
	d.Run(d.S.Init())
	v := d.View()
	for _, want := range []string{"3 namespaces", "NAME", "SCRIPTS", "TRUSTED", "CREATED", "MODIFIED",
		"production", "1,234", "staging", "124", "testing", " no "} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Dates older than a month are YYYY-MM-DD.
	if !strings.Contains(v, now.Add(-760*24*time.Hour).Format("2006-01")) {
		t.Errorf("view lacks production's creation date:\n%s", v)
	}
	// The cursor row has a glyph, not only reverse video.
	if !strings.Contains(v, "▸ production") {
		t.Errorf("cursor not on the first row:\n%s", v)
	}
	checkWidth(t, v, 80)
	if got := d.S.(ui.DataAger).DataAge(); !got.Equal(now) {
		t.Errorf("DataAge %v, want %v", got, now)
	}
	// The title is the screen's own: it never reads the header (runtime
	// state) to name itself.
	if d.S.Title() != "namespaces" {
		t.Errorf("Title %q, want namespaces", d.S.Title())
	}
	// The command line learns the names by message, not a shared slice.
	var sets []ui.CompletionsMsg
	for _, m := range d.Seen {
		if c, ok := m.(ui.CompletionsMsg); ok {
			sets = append(sets, c)
		}
	}
	if len(sets) != 1 || sets[0].Set != CompletionSet || strings.Join(sets[0].Values, ",") != "production,staging,testing" {
		t.Errorf("completion sets sent: %+v", sets)
	}
}

func TestNarrowWidthsFit(t *testing.T) {
	for _, w := range []int{60, 80, 120} {
		_, d := start(t, w, 12, nil)
		d.Run(d.S.Init())
		v := d.View()
		checkWidth(t, v, w)
		if !strings.Contains(v, "production") {
			t.Errorf("width %d: no production row:\n%s", w, v)
		}
	}
}

func TestFilter(t *testing.T) {
	_, d := start(t, 80, 20, nil)
	d.Run(d.S.Init())
	d.Press("/")
	if !d.S.Capturing() {
		t.Fatal("/ should give the filter input the keyboard")
	}
	d.TypeText("TAG")
	v := d.View()
	if !strings.Contains(v, "1 shown (2 hidden by filter)") || !strings.Contains(v, "staging") || strings.Contains(v, "production") {
		t.Errorf("case-insensitive filter TAG should show staging alone:\n%s", v)
	}
	d.Press("enter")
	if d.S.Capturing() {
		t.Error("enter should keep the filter and release the keyboard")
	}
	if !d.S.(ui.Escaper).WantsEsc() {
		t.Error("with a filter applied, esc should clear it before going back")
	}
	// enter now opens the one namespace shown.
	d.TakeSeen()
	d.Press("enter")
	if !hasNavigate(d.TakeSeen(), "staging") {
		t.Error("enter on the filtered row did not open staging's scripts")
	}
	// Editing then cancelling restores the applied filter.
	d.Press("/")
	d.TypeText("zzz")
	if !strings.Contains(d.View(), "no namespace matches") {
		t.Errorf("no match should say so:\n%s", d.View())
	}
	d.Press("esc")
	if v := d.View(); !strings.Contains(v, "1 shown") || !strings.Contains(v, "staging") {
		t.Errorf("esc while typing should restore the filter TAG:\n%s", v)
	}
	d.Press("esc")
	if v := d.View(); strings.Contains(v, "shown") || !strings.Contains(v, "production") {
		t.Errorf("esc should clear the applied filter:\n%s", v)
	}
	if d.S.(ui.Escaper).WantsEsc() {
		t.Error("without a filter, esc should mean back")
	}
}

func TestEnterOpensTheScriptsOfTheCursorRow(t *testing.T) {
	_, d := start(t, 80, 20, nil)
	d.Run(d.S.Init())
	d.Press("j")
	d.TakeSeen()
	d.Press("enter")
	if !hasNavigate(d.TakeSeen(), "staging") {
		t.Error("enter on the second row did not navigate to staging's scripts")
	}
	d.Press("G", "enter")
	if !hasNavigate(d.TakeSeen(), "testing") {
		t.Error("G then enter did not navigate to testing's scripts")
	}
}

func hasNavigate(msgs []tea.Msg, ns string) bool {
	for _, m := range msgs {
		if n, ok := m.(ui.NavigateMsg); ok && n.Route == (ui.Route{Kind: ui.KindScripts, Namespace: ns}) {
			return true
		}
	}
	return false
}

func TestScrollingRendersOnlyVisibleRows(t *testing.T) {
	e, d := start(t, 80, 8, nil) // title + headings + 6 rows
	ctx := context.Background()
	for i := range 20 {
		if _, err := e.Client.CreateNamespace(ctx, fmt.Sprintf("extra-%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	d.Run(d.S.Init())
	v := d.View()
	if !strings.Contains(v, "23 namespaces") || !strings.Contains(v, "extra-00") || strings.Contains(v, "extra-10") {
		t.Errorf("first page should show the first rows only:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n > 8 {
		t.Errorf("view has %d lines, more than the height 8:\n%s", n, v)
	}
	d.Press("G")
	v = d.View()
	if !strings.Contains(v, "▸ testing") || strings.Contains(v, "extra-00") {
		t.Errorf("G should show the last row under the cursor:\n%s", v)
	}
	d.Press("pgup")
	if v := d.View(); strings.Contains(v, "▸ testing") {
		t.Errorf("pgup did not move:\n%s", v)
	}
	d.Press("g")
	if v := d.View(); !strings.Contains(v, "▸ extra-00") {
		t.Errorf("g should go to the top:\n%s", v)
	}
	d.Press("pgdown")
	if v := d.View(); strings.Contains(v, "▸ extra-00") {
		t.Errorf("pgdown did not move:\n%s", v)
	}
	d.Press("k", "down", "up")
	if v := d.View(); strings.Contains(v, "▸ extra-00") {
		t.Errorf("k/down/up moved too far:\n%s", v)
	}
}

func TestRefreshFailureKeepsTheRows(t *testing.T) {
	e, d := start(t, 80, 20, fastRetry)
	d.Run(d.S.Init())
	e.Sandbox.SetFaults(sandbox.Faults{ErrorRate: 1})
	d.TakeSeen()
	d.Send(ui.RefreshMsg{})
	v := d.View()
	for _, want := range []string{"3 namespaces", "production", "staging", "WARNING refresh failed", "Cloudflare had a problem"} {
		if !strings.Contains(v, want) {
			t.Errorf("after a failed refresh the view lacks %q:\n%s", want, v)
		}
	}
	st, ok := statusIn(d.TakeSeen())
	if !ok || st.Level != ui.LevelError || !strings.Contains(st.Text, "namespaces") || st.Hint == "" {
		t.Errorf("a failed refresh should put the reason and hint in the footer, got %+v (%v)", st, ok)
	}
	checkWidth(t, v, 80)
	// The next successful refresh clears the warning.
	e.Sandbox.SetFaults(sandbox.Faults{})
	d.Send(ui.RefreshMsg{})
	if v := d.View(); strings.Contains(v, "WARNING") {
		t.Errorf("a successful refresh should clear the warning:\n%s", v)
	}
}

func TestFirstLoadFailureIsShownInTheContent(t *testing.T) {
	e, d := start(t, 80, 20, fastRetry)
	e.Sandbox.SetFaults(sandbox.Faults{ErrorRate: 1})
	d.Run(d.S.Init())
	v := d.View()
	for _, want := range []string{"✗ error: could not list the namespaces", "Cloudflare had a problem", "ctrl+r"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	_, d := start(t, 80, 20, nil)
	d.Run(d.S.Init())
	m := d.S.(*Model)
	fake := []cfclient.Namespace{{Name: "from-an-old-request"}}
	d.Send(loadedMsg{key: m.key, token: m.token - 1, nss: fake})
	d.Send(loadedMsg{key: "another-screen", token: m.token, nss: fake})
	if v := d.View(); strings.Contains(v, "from-an-old-request") || !strings.Contains(v, "3 namespaces") {
		t.Errorf("a stale or foreign result replaced the rows:\n%s", v)
	}
	// A refresh in flight supersedes the request before it.
	cmd1 := m.load()
	cmd2 := m.load()
	d.Run(cmd2)
	d.Send(loadedMsg{key: m.key, token: m.token - 1, nss: fake})
	_ = cmd1
	if strings.Contains(d.View(), "from-an-old-request") {
		t.Error("the superseded request's answer was shown")
	}
}

func TestRawJSONAndCopy(t *testing.T) {
	_, d := start(t, 80, 6, nil)
	d.Run(d.S.Init())
	d.Press("j", "y")
	v := d.View()
	if !strings.Contains(v, `"namespace_name": "staging"`) || !strings.Contains(v, "esc closes") {
		t.Errorf("y should show staging as JSON:\n%s", v)
	}
	if !d.S.(ui.Escaper).WantsEsc() {
		t.Error("esc should close the JSON overlay, not go back")
	}
	first := v
	d.Press("j")
	if d.View() == first {
		t.Errorf("j should scroll the JSON:\n%s", d.View())
	}
	d.Press("esc")
	if v := d.View(); strings.Contains(v, "namespace_name") || !strings.Contains(v, "▸ staging") {
		t.Errorf("esc should close the overlay and keep the cursor:\n%s", v)
	}
	d.TakeSeen()
	d.Press("c")
	want := ui.CopyCmd("staging")()
	found := false
	for _, m := range d.TakeSeen() {
		if reflect.DeepEqual(m, want) {
			found = true
		}
	}
	if !found {
		t.Error("c did not copy the name of the cursor row")
	}
}

func TestCursorFollowsTheNameAcrossRefresh(t *testing.T) {
	e, d := start(t, 80, 20, nil)
	d.Run(d.S.Init())
	d.Press("G") // testing
	if _, err := e.Client.CreateNamespace(context.Background(), "aaa-first"); err != nil {
		t.Fatal(err)
	}
	d.Send(ui.RefreshMsg{})
	if v := d.View(); !strings.Contains(v, "4 namespaces") || !strings.Contains(v, "▸ testing") {
		t.Errorf("after a refresh that added a row above, the cursor should stay on testing:\n%s", v)
	}
}

func TestNewFilterPutsCursorOnTop(t *testing.T) {
	_, d := start(t, 80, 20, nil)
	d.Run(d.S.Init())
	cursor := func() string {
		if ns, ok := d.S.(*Model).table.Current(); ok {
			return ns.Name
		}
		return ""
	}
	d.Press("G") // testing
	d.Press("/")
	d.TypeText("i") // production, staging, testing: every row still
	if got := cursor(); got != "production" {
		t.Errorf("after typing i: cursor on %q, want the first row production", got)
	}
	d.Press("enter", "G")
	d.Press("/")
	d.TypeText("ng") // staging, testing
	if got := cursor(); got != "staging" {
		t.Errorf("after typing ng: cursor on %q, want the first row staging", got)
	}
	d.Press("enter")
	d.Press("G") // testing
	// / then enter, or esc, without an edit keeps the cursor.
	d.Press("/", "enter")
	if got := cursor(); got != "testing" {
		t.Errorf("after / enter: cursor on %q, want testing", got)
	}
	d.Press("/", "esc")
	if got := cursor(); got != "testing" {
		t.Errorf("after / esc: cursor on %q, want testing", got)
	}
	// Clearing the filter is a new filter too.
	d.Press("esc")
	if got := cursor(); got != "production" {
		t.Errorf("after clearing the filter: cursor on %q, want production", got)
	}
}

func TestFilterGrammarMatchesTheScriptsScreen(t *testing.T) {
	_, d := start(t, 80, 20, nil)
	d.Run(d.S.Init())
	rows := func() []string {
		m := d.S.(*Model)
		var out []string
		for _, ns := range m.table.Rows() {
			out = append(out, ns.Name)
		}
		return out
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"prod", []string{"production"}},
		{"!prod", []string{"staging", "testing"}},
		{"!PROD", []string{"staging", "testing"}},
		{"!", []string{"production", "staging", "testing"}},
		{`\!prod`, nil}, // literal: no name contains "!prod"
		{"=ing", []string{"staging", "testing"}},
		{"=ING", []string{"staging", "testing"}},
		{"=", []string{"production", "staging", "testing"}},
		{`\=ing`, nil}, // literal: no name contains "=ing"
		{"!ing", []string{"production"}},
	} {
		d.Press("/")
		d.TypeText(tc.text)
		d.Press("enter")
		if got := rows(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("/%s shows %v, want %v", tc.text, got, tc.want)
		}
		if tc.text == "!prod" {
			v := d.View()
			if !strings.Contains(v, "1 shown (2 hidden by filter)") && !strings.Contains(v, "2 shown (1 hidden by filter)") {
				t.Errorf("/!prod title:\n%s", v)
			}
			if !strings.Contains(v, "names not containing it") {
				t.Errorf("/!prod does not say it is inverse:\n%s", v)
			}
		}
		d.Press("esc")
	}
	// A tag selector is an error here: every row stays, the line says why.
	d.Press("/")
	d.TypeText("-t customer-1")
	v := d.View()
	if got := rows(); len(got) != 3 || !strings.Contains(v, "✗ namespaces have no tags") {
		t.Errorf("-t: rows %v, view:\n%s", got, v)
	}
	checkWidth(t, v, 80)
}

// countingSource counts the namespace listings of the real client.
type countingSource struct {
	*cfclient.Client
	mu sync.Mutex
	n  int
}

func (c *countingSource) ListNamespaces(ctx context.Context) ([]cfclient.Namespace, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Client.ListNamespaces(ctx)
}

func TestRefreshWhileListingIsCoalesced(t *testing.T) {
	e := sandboxtest.Start(t, sandbox.Options{Seed: 1, Scripts: 10, Now: clock}, nil)
	src := &countingSource{Client: e.Client}
	c := ui.NewCommon(t.Context(), clock, nil)
	d := newDriver(t, New(c, src, Changes{}, ui.Route{Kind: ui.KindNamespaces}), 80, 20)
	init := d.S.Init()
	// ctrl+r while the first listing runs: no second listing, a word why.
	for range 3 {
		var cmd tea.Cmd
		d.S, cmd = d.S.Update(ui.RefreshMsg{})
		if cmd == nil {
			t.Fatal("ctrl+r during a listing said nothing")
		}
		st, ok := cmd().(ui.StatusMsg)
		if !ok || !strings.Contains(st.Text, "already refreshing") {
			t.Errorf("ctrl+r during a listing: %#v", st)
		}
	}
	d.Run(init)
	if src.n != 1 || !strings.Contains(d.View(), "3 namespaces") {
		t.Errorf("%d listings, want 1:\n%s", src.n, d.View())
	}
	// Idle, ctrl+r lists again.
	d.Send(ui.RefreshMsg{})
	if src.n != 2 {
		t.Errorf("idle ctrl+r: %d listings, want 2", src.n)
	}
}
