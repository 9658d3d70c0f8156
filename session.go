package main

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/ui"
)

// Session is one operator's console on a Runtime: their ui.Common (size,
// styles, keys, clock, and a context carrying their Actor, so every change
// they make is audited under their name and refused by the client's gate
// when they may only read), the App with its stack of screens, marks and
// filters. A terminal has one Session; `wfp serve` runs one per SSH
// connection on one Runtime (cmd_serve.go).
type Session struct {
	Runtime *Runtime
	Actor   cfclient.Actor
	Common  *ui.Common
	App     *ui.App
}

// sessionOptions configure one Session.
type sessionOptions struct {
	// Actor is the operator (default: the OS user at this terminal).
	Actor cfclient.Actor
	// NoColor forces monochrome.
	NoColor bool
	// Clock is the session's clock (default time.Now).
	Clock func() time.Time
	// Who is what the header says of the user ("ana · viewer"), over SSH.
	Who string
}

// NewSession builds a session on rt, starting at the namespaces screen.
// ctx ends the session's requests when it is cancelled.
func NewSession(ctx context.Context, rt *Runtime, o sessionOptions) (*Session, error) {
	if o.Actor.Name == "" {
		o.Actor.Name = cfclient.LocalActor()
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	ctx = cfclient.WithActor(ctx, o.Actor)
	s := &Session{Runtime: rt, Actor: o.Actor}
	s.Common = ui.NewCommon(ctx, o.Clock, rt.Header(o.Actor, o.Who))
	s.Common.ReadOnly = rt.Client.ReadOnly() || o.Actor.ReadOnly || o.Actor.Role == cfclient.RoleViewer
	s.Common.Production = rt.Config.Profile.Production && rt.Sandbox == nil
	var start ui.StatusMsg
	if rt.Sandbox != nil {
		start = ui.StatusMsg{Level: ui.LevelInfo, Text: "no API token: the embedded sandbox at " + rt.Sandbox.URL()}
	}
	var startCmd tea.Cmd
	if rt.Jobs != nil {
		startCmd = s.resumeOffer()
	}
	app, err := ui.NewApp(s.Common, s.factories(), ui.Route{Kind: ui.KindNamespaces}, ui.AppOptions{
		StartCmd:    startCmd,
		Commands:    s.commands(),
		NoColor:     o.NoColor,
		StartStatus: start,
	})
	if err != nil {
		return nil, err
	}
	s.App = app
	return s, nil
}

// Model is the session's root model, for a tea.Program.
func (s *Session) Model() tea.Model { return s.App }
