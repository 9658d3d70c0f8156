package scripts

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/internal/benchnames"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/ui"
)

// bigModel is a screen holding n generated rows (no listing: the rows are
// put in place as a cache read would).
func bigModel(t *testing.T, n int) *Model {
	t.Helper()
	names := benchnames.Generate(n, 2)
	slices.Sort(names)
	c := ui.NewCommon(t.Context(), nil, nil)
	c.Width, c.Height = 120, 40
	m := New(c, viewClient(t), nil, ui.Route{Kind: ui.KindScripts, Namespace: "production"})
	m.SetSize(120, 40)
	m.replaceRows(*asRows(benchScripts(names)), cfclient.TagFilter{}, true)
	return m
}

// run runs cmd and returns the filter messages it leads to (batches
// opened).
func filterMsgs(cmd tea.Cmd) []filterMsg {
	var out []filterMsg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case filterMsg:
			out = append(out, msg)
		}
	}
	return out
}

func positions(ms selector.Matches) []int32 {
	out := make([]int32, len(ms))
	for i, m := range ms {
		out[i] = int32(m.Index)
	}
	return out
}

func TestLargeFuzzyFilterShowsBestRowsFirstThenRanksAll(t *testing.T) {
	m := bigModel(t, 60000)
	names := make([]string, m.all.Len())
	for i := range m.all.Len() {
		names[i] = m.all.Name(i)
	}
	want := positions(selector.NewIndex(names).Find("t42"))
	msgs := filterMsgs(m.setText("t42", true))
	if len(msgs) != 1 || !msgs[0].res.partial {
		t.Fatalf("first step: %d messages, want one partial result", len(msgs))
	}
	_, rank := m.Update(msgs[0])
	if !m.result.partial || m.table.Len() != len(want) {
		t.Fatalf("first rows: partial %v, %d shown, want %d", m.result.partial, m.table.Len(), len(want))
	}
	if !slices.Equal(m.shown[:firstRowsK], want[:firstRowsK]) {
		t.Fatalf("first rows are not Find's best")
	}
	if got := ansi.Strip(m.View()); !strings.Contains(got, ui.Commas(len(want))+" shown") {
		t.Fatalf("title does not count every match: %q", strings.SplitN(got, "\n", 2)[0])
	}
	if !m.filterSettled() {
		t.Fatal("the first rows hold the filter's set: bulk actions need not wait")
	}
	full := filterMsgs(rank)
	if len(full) != 1 || !full[0].rank {
		t.Fatalf("second step: %d messages", len(full))
	}
	m.Update(full[0])
	if m.result.partial || !slices.Equal(m.shown, want) {
		t.Fatalf("after ranking: partial %v, order differs from Find", m.result.partial)
	}
}

func TestStaleRankingIsDropped(t *testing.T) {
	m := bigModel(t, 60000)
	msgs := filterMsgs(m.setText("t4", true))
	_, rank := m.Update(msgs[0])
	next := m.setText("t42", true) // cancels the ranking of "t4"
	if got := filterMsgs(rank); len(got) != 0 {
		m.Update(got[0])
		if m.result != nil && m.result.text == "t4" && !m.result.partial {
			t.Fatal("a ranking of the previous text was applied")
		}
	}
	for _, msg := range filterMsgs(next) {
		m.Update(msg)
	}
	if m.result == nil || m.result.text != "t42" {
		t.Fatalf("result is not t42's")
	}
}

func TestFirstKeyKeepsTheCountUntilTheResult(t *testing.T) {
	m := bigModel(t, 60000)
	cmd := m.setText("t", true)
	if title := strings.SplitN(ansi.Strip(m.View()), "\n", 2)[0]; !strings.Contains(title, "60,000 shown") {
		t.Fatalf("title while the first result computes: %q", title)
	}
	for _, msg := range filterMsgs(cmd) {
		m.Update(msg)
	}
	if title := strings.SplitN(ansi.Strip(m.View()), "\n", 2)[0]; strings.Contains(title, "60,000 shown") {
		t.Fatalf("title after the result: %q", title)
	}
}
