package script

import (
	"fmt"
	"strconv"

	"github.com/charmbracelet/x/ansi"
	"github.com/wfpconsole/wfp/cfclient/platform"
	"github.com/wfpconsole/wfp/ui"
)

// limits compares the script's own limits with its tier's and says which
// one binds (the stricter, see platform.EffectiveLimits).
func (m *Model) limits() []string {
	st := &m.c.Styles
	s := &m.settings
	if !s.have {
		return m.state(s.loading, s.err, "loading settings…")
	}
	out := m.state(false, s.err, "")
	tags, _ := m.tierTags()
	tierName, _ := m.src.TierOf(tags)

	var tier *platform.Tier
	tierKnown := tierName == "" // no tier tag: nothing to wait for
	tierHead := "tier"
	var note string
	noteStyle := st.Warning
	switch {
	case tierName == "":
		note = "no tier tag: only the script's own limits apply"
		noteStyle = st.Subtle
	case m.tiers.have:
		tierHead = "tier " + ui.Sanitize(tierName)
		tier = platform.FindTier(m.tiers.val, tierName)
		tierKnown = true
		if tier == nil {
			note = "WARNING tier " + strconv.Quote(ui.Sanitize(tierName)) +
				" not defined in the tier table: only the script's own limits apply"
		}
	case m.tiers.loading:
		tierHead = "tier " + ui.Sanitize(tierName)
	}
	eff := platform.EffectiveLimits(tier, s.val.Limits)
	const scriptW, tierW = 10, 17
	row := func(label, script, tierV, effV string) string {
		return m.fit(ui.PadRight(label, labelW) + ui.PadRight(script, scriptW) + ui.PadRight(tierV, tierW) + effV)
	}
	out = append(out, st.TableHeader.Render(row("", "script", ansi.Truncate(tierHead, tierW-1, "…"), "effective")))
	tierCell := func(v int, unit string) string {
		switch {
		case tierName == "":
			return "—"
		case !tierKnown && m.tiers.loading:
			return "loading…"
		case !tierKnown:
			return "unknown"
		case tier == nil:
			return "not defined"
		}
		return strconv.Itoa(v) + unit
	}
	effCell := func(e platform.EffectiveLimit, script *int, unit string) string {
		if !tierKnown {
			return "waiting for the tier table"
		}
		return effective(e, script != nil, tier != nil, unit)
	}
	var tierCPU, tierSub int
	if tier != nil {
		tierCPU, tierSub = tier.CPUMs, tier.SubRequests
	}
	lim := s.val.Limits
	out = append(out,
		row("cpu time", withUnit(lim.CPUMs, " ms"), tierCell(tierCPU, " ms"), effCell(eff.CPUMs, lim.CPUMs, " ms")),
		row("subrequests", withUnit(lim.Subrequests, ""), tierCell(tierSub, ""), effCell(eff.SubRequests, lim.Subrequests, "")),
	)
	// A per-script limit looser than the tier's does nothing: say so, since
	// an operator raising it would expect otherwise.
	for _, l := range []struct {
		what   string
		e      platform.EffectiveLimit
		script *int
	}{{"cpu time", eff.CPUMs, lim.CPUMs}, {"subrequests", eff.SubRequests, lim.Subrequests}} {
		if l.e.Source == platform.FromTier && l.script != nil {
			out = append(out, m.wrap(st.Subtle, fmt.Sprintf("note: the script's own %s limit (%d) is looser than tier %s's (%d) and has no effect",
				l.what, *l.script, ui.Sanitize(tierName), l.e.Value))...)
		}
	}
	if note != "" {
		out = append(out, m.wrap(noteStyle, note)...)
	}
	if tierName != "" && m.tiers.err != nil {
		out = append(out, m.state(false, m.tiers.err, "")...)
	}
	return out
}

// effective renders an effective limit and which side wins.
func effective(e platform.EffectiveLimit, scriptSet, tierSet bool, unit string) string {
	v := strconv.Itoa(e.Value) + unit
	switch e.Source {
	case platform.FromTier:
		if scriptSet {
			return v + " · tier wins"
		}
		return v + " · from the tier"
	case platform.FromScript:
		if tierSet {
			return v + " · script wins"
		}
		return v + " · from the script"
	case platform.FromBoth:
		return v + " · same on both"
	}
	return "plan default"
}
