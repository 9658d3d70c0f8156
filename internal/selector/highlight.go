package selector

import (
	"strings"

	"github.com/wfpconsole/wfp/internal/termsafe"
)

// Segment is a run of a name that is either all matched or all unmatched.
type Segment struct {
	Text    string // raw bytes of the name: sanitize before rendering
	Matched bool
}

// Segments splits name into alternating unmatched and matched runs, using
// the byte offsets of Match.MatchedIndexes (a rune is matched when it
// starts at one of them). Offsets that are out of range or not at a rune
// start are ignored, so a stale match cannot break rendering. Joining the
// Texts gives name back.
func Segments(name string, matched []int) []Segment {
	var segs []Segment
	k, start := 0, 0
	runMatched := false
	for i := range name { // i is the byte offset of each rune
		for k < len(matched) && matched[k] < i {
			k++
		}
		isMatched := k < len(matched) && matched[k] == i
		if i > start && isMatched != runMatched {
			segs = append(segs, Segment{Text: name[start:i], Matched: runMatched})
			start = i
		}
		runMatched = isMatched
	}
	if start < len(name) {
		segs = append(segs, Segment{Text: name[start:], Matched: runMatched})
	}
	return segs
}

// Highlight renders name for a terminal: every run is passed through
// sanitize (pass ui.Sanitize so names look the same everywhere; nil uses
// termsafe.Line, the one sanitiser), and matched runs are then wrapped by style (for example a
// lipgloss style's Render, which must also mark matches without colour
// under NO_COLOR, e.g. by underlining). Matched runs are styled whole, so
// each costs one style call, not one per rune.
func Highlight(name string, matched []int, sanitize, style func(string) string) string {
	if sanitize == nil {
		sanitize = termsafe.Line
	}
	var b strings.Builder
	for _, seg := range Segments(name, matched) {
		text := sanitize(seg.Text)
		if seg.Matched && style != nil {
			text = style(text)
		}
		b.WriteString(text)
	}
	return b.String()
}
