package ui

import (
	"testing"
	"time"
)

// BenchmarkAppView measures one full frame at 80×24: header, crumbs, a
// screen whose rows fit, footer short help.
func BenchmarkAppView(b *testing.B) {
	h := newHarness(b)
	h.active().age = h.now.Add(-12 * time.Second)
	h.active().rowWidth = 60
	for b.Loop() {
		_ = h.app.View()
	}
}

// BenchmarkAppViewOverflow has a screen whose 40 rows are all too wide and
// too many: the shell truncates them.
func BenchmarkAppViewOverflow(b *testing.B) {
	h := newHarness(b)
	for b.Loop() {
		_ = h.app.View()
	}
}

// BenchmarkAppViewProduction adds the production frame.
func BenchmarkAppViewProduction(b *testing.B) {
	h := newHarness(b)
	h.active().rowWidth = 60
	h.info.Production = true
	h.send(headerTickMsg{owner: h.app.owner, seq: h.app.tickSeq})
	for b.Loop() {
		_ = h.app.View()
	}
}
