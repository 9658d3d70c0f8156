package scripts

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/ui"
)

func TestFacetsPanelComponent(t *testing.T) {
	st := ui.DefaultStyles(true)
	p := newFacetsPanel(ui.DefaultMoveKeyMap(), &st)
	p.SetSize(60, 6) // heading + 5 tags
	if p.KeyMap.AddTag.Enabled() || p.KeyMap.CloseFacet.Enabled() {
		t.Error("keys live on a closed panel")
	}
	p.Show()
	scope := facetScope{epoch: 1, n: 7}
	if !p.Follow(scope, true, "tags of 7 scripts") || p.Follow(scope, true, "tags of 7 scripts") {
		t.Fatal("Follow: want one count asked for the scope, then none while it runs")
	}
	if v := ansi.Strip(p.View()); v != "tags of 7 scripts · counting…" {
		t.Errorf("before the count: %q", v)
	}
	tags := []facet{{"tier-pro", "tier-pro", 5}, {"env-a", "env-a", 4}, {"env-b", "env-b", 3}, {"Cust-1", "cust-1", 2}, {"cust-2", "cust-2", 1}, {"x", "x", 1}}
	p.SetCounts(facetsMsg{scope: scope, n: 7, tags: tags})
	if p.Follow(scope, true, "tags of 7 scripts") {
		t.Error("Follow asked again for a counted scope")
	}
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	if len(lines) != 6 || lines[0] != "tags of 7 scripts · 6 distinct" || strings.TrimRight(lines[1], " ") != "▸         5  tier-pro" {
		t.Errorf("view:\n%s", strings.Join(lines, "\n"))
	}
	// j moves; a recount keeps the cursor on its tag.
	p = feed(p, "j", "j")
	recount := append([]facet{{"new", "new", 9}}, tags...)
	p.SetCounts(facetsMsg{scope: scope, n: 7, tags: recount})
	if cur, _ := p.current(); cur.tag != "env-b" {
		t.Errorf("after a recount the cursor is on %q", cur.tag)
	}
	// + picks the tag under the cursor; the screen decides what follows.
	p = feed(p, "+")
	if in := p.Intent(); !in.ok || in.action != tagAdd || in.tag != "env-b" || !p.Visible() {
		t.Errorf("+: intent %+v, open %v", in, p.Visible())
	}
	// The search narrows case-insensitively; enter keeps it, esc clears it
	// with the cursor on its tag, a second esc closes.
	p = feed(p, "/", "c", "u")
	if !p.Capturing() || p.visible() != 2 || p.Intent().ok {
		t.Fatalf("search cu: capturing %v, %d listed", p.Capturing(), p.visible())
	}
	p = feed(p, "enter", "j")
	if cur, _ := p.current(); p.Capturing() || cur.tag != "cust-2" {
		t.Fatalf("enter j: capturing %v, cursor on %q", p.Capturing(), cur.tag)
	}
	if v := ansi.Strip(p.View()); !strings.Contains(v, "· 2 matching\n/cu") {
		t.Errorf("search view:\n%s", v)
	}
	p = feed(p, "esc")
	if cur, _ := p.current(); !p.Visible() || p.visible() != 7 || cur.tag != "cust-2" {
		t.Errorf("esc: open %v, %d listed, cursor on %q", p.Visible(), p.visible(), cur.tag)
	}
	p = feed(p, "esc")
	if p.Visible() || p.KeyMap.ApplyTag.Enabled() {
		t.Error("a second esc did not close the panel")
	}
	// A count of other rows is kept but not fresh.
	p.Show()
	p.Follow(facetScope{epoch: 2, n: 7}, true, "tags of 7 scripts")
	if p.fresh() || !strings.HasSuffix(ansi.Strip(strings.Split(p.View(), "\n")[0]), "· counting…") {
		t.Errorf("stale counts: fresh %v", p.fresh())
	}
}
