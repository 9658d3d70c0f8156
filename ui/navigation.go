package ui

import tea "charm.land/bubbletea/v2"

// active returns the top of the stack; the stack is never empty while the
// program runs.
func (a *App) active() *entry {
	return a.stack[len(a.stack)-1]
}

// navigate makes the screen for r active: a screen already on the stack
// with the same route key is reused with its cursor, filter and marks
// (screens above it are closed); otherwise the factory builds a new one.
func (a *App) navigate(r Route) tea.Cmd {
	k := r.Key()
	for i, e := range a.stack {
		if e.key == k {
			a.truncate(i + 1)
			a.activate()
			return nil
		}
	}
	f, ok := a.factories[r.Kind]
	if !ok || f == nil {
		return a.setStatus(errorStatus("", "no screen for %q", Sanitize(r.Kind)))
	}
	s, err := f(a.c, r)
	if err != nil {
		return a.setStatus(errorStatus("", "open %s: %v", Sanitize(r.Kind), err))
	}
	a.stack = append(a.stack, &entry{route: r, key: k, screen: s})
	if len(a.stack) > maxDepth {
		closeScreen(a.stack[1].screen)
		a.stack = append(a.stack[:1], a.stack[2:]...)
	}
	a.activate()
	return s.Init()
}

// back pops the active screen; at the root it does nothing (like k9s).
func (a *App) back() tea.Cmd {
	if len(a.stack) <= 1 {
		return nil
	}
	a.truncate(len(a.stack) - 1)
	a.activate()
	return nil
}

// truncate closes and removes the screens above depth n.
func (a *App) truncate(n int) {
	for i := len(a.stack) - 1; i >= n; i-- {
		closeScreen(a.stack[i].screen)
		a.stack[i] = nil
	}
	a.stack = a.stack[:n]
}

// activate gives the active screen the current content size if it has not
// seen it yet; screens further down are resized lazily when they return.
func (a *App) activate() {
	if len(a.stack) == 0 {
		return
	}
	e := a.active()
	if e.w != a.c.Width || e.h != a.c.Height {
		e.w, e.h = a.c.Width, a.c.Height
		e.screen.SetSize(e.w, e.h)
	}
}

// layout recomputes the content area from the terminal size: one line
// each for header, breadcrumbs and footer, and a frame in production.
func (a *App) layout() {
	w, h := a.width, a.height-3
	if a.info.Production {
		w, h = w-2, h-2
	}
	a.c.Width, a.c.Height = max(0, w), max(0, h)
	a.help.SetWidth(a.c.Width)
	a.cmd.input.SetWidth(max(1, a.c.Width-2))
	a.activate()
}

// tooSmall reports a terminal below the minimum usable size.
func (a *App) tooSmall() bool {
	return a.width < a.opts.MinWidth || a.height < a.opts.MinHeight
}

// updateActive sends msg to the active screen.
func (a *App) updateActive(msg tea.Msg) tea.Cmd {
	if len(a.stack) == 0 {
		return nil
	}
	e := a.active()
	s, cmd := e.screen.Update(msg)
	e.screen = s
	return cmd
}

// deliver sends a routed message to the screen whose route key is key,
// wherever it is on the stack; it is dropped when that screen is gone.
func (a *App) deliver(key string, msg tea.Msg) tea.Cmd {
	for _, e := range a.stack {
		if e.key == key {
			s, cmd := e.screen.Update(msg)
			e.screen = s
			return cmd
		}
	}
	return nil
}

// broadcast sends a message every screen must see (StylesChangedMsg,
// ScriptsChangedMsg) to every screen on the stack, active first.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := len(a.stack) - 1; i >= 0; i-- {
		e := a.stack[i]
		s, cmd := e.screen.Update(msg)
		e.screen = s
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// titles are the breadcrumbs: where the active screen is, not how the
// operator got there (":scripts staging" from a script of production reads
// "prod ▸ staging"). The profile (the account is in the header, once),
// then the active route's namespace and script, or the active screen's own
// title for a screen scoped to neither.
func (a *App) titles() []string {
	var out []string
	if t := a.info.Profile; t != "" {
		out = append(out, t)
	} else if t := a.stack[0].screen.Title(); t != "" {
		out = append(out, t)
	}
	if len(a.stack) == 1 {
		return out
	}
	act := a.active()
	r := act.route
	if r.Namespace != "" {
		out = append(out, r.Namespace)
	}
	if r.Script != "" {
		out = append(out, r.Script)
	}
	// A screen of its own kind (not the namespace's scripts or a script)
	// adds its title: "prod ▸ staging ▸ inactive".
	if r.Namespace == "" && r.Script == "" || r.Kind != KindScripts && r.Kind != KindScript {
		if t := act.screen.Title(); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// closeScreen releases a screen's resources if it holds any.
func closeScreen(s Screen) {
	if c, ok := s.(Closer); ok {
		c.Close()
	}
}
