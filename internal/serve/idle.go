package serve

import (
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
)

// idleModel wraps a session's model to note when its user last typed (or
// clicked or pasted): the console redraws its header every second, so the
// connection is never idle by its traffic, and idle_timeout counts input
// only.
type idleModel struct {
	inner tea.Model
	last  *atomic.Int64 // unix nanoseconds of the last input
	now   func() time.Time
}

// Init is the inner model's.
func (m idleModel) Init() tea.Cmd { return m.inner.Init() }

// Update notes input, then hands every message to the inner model.
func (m idleModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.PasteMsg:
		m.last.Store(m.now().UnixNano())
	}
	var cmd tea.Cmd
	m.inner, cmd = m.inner.Update(msg)
	return m, cmd
}

// View is the inner model's.
func (m idleModel) View() tea.View { return m.inner.View() }

// watchIdle ends the session (quit) once no input came for timeout; it
// returns when done is closed.
func watchIdle(last *atomic.Int64, timeout time.Duration, now func() time.Time, quit func(), done <-chan struct{}) {
	every := min(timeout/4, time.Minute)
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if now().Sub(time.Unix(0, last.Load())) >= timeout {
				quit()
				return
			}
		}
	}
}
