package tail

import (
	"context"
	"sync"

	"github.com/wfpconsole/wfp/cfclient"
)

// Shared shares one live tail per script among every subscriber of a
// process (every SSH session of `wfp serve`): Cloudflare allows a script
// 10 open tails, so two people watching one script must not cost two.
// The first subscriber opens the tail (on the Group, so Wait still sees
// its cleanup); the last one to leave closes it. Events fan out to each
// subscriber; one too slow to keep up misses events (counted in its
// states' Dropped) rather than holding the others back.
type Shared struct {
	g    *Group
	mu   sync.Mutex
	hubs map[string]*hub
}

// hub is one shared tail and its subscribers.
type hub struct {
	cancel context.CancelFunc
	subs   map[int]*subscriber
	next   int
	last   *State // the newest state, for a late subscriber
}

// subscriber is one reader of a hub.
type subscriber struct {
	ch      chan Item
	dropped int
}

// NewShared shares live tails opened on g.
func NewShared(g *Group) *Shared { return &Shared{g: g, hubs: map[string]*hub{}} }

// Live subscribes to script's live tail until ctx ends, opening it when
// nobody watches it yet (with o; later subscribers' options are those of
// the first). The channel closes when ctx ends or the tail fails.
func (s *Shared) Live(ctx context.Context, c *cfclient.Client, script string, o LiveOptions) <-chan Item {
	o.defaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hubs[script]
	if !ok {
		upCtx, cancel := context.WithCancel(context.Background())
		h = &hub{cancel: cancel, subs: map[int]*subscriber{}}
		s.hubs[script] = h
		up := s.g.Live(upCtx, c, script, o)
		s.g.run(func() { s.fanOut(script, h, up) })
	}
	id := h.next
	h.next++
	sub := &subscriber{ch: make(chan Item, o.Buffer)}
	h.subs[id] = sub
	if h.last != nil {
		st := *h.last
		sub.ch <- Item{State: &st}
	}
	go func() {
		<-ctx.Done()
		s.leave(script, h, id)
	}()
	return sub.ch
}

// fanOut copies the upstream's items to the hub's subscribers until it
// closes, then closes theirs.
func (s *Shared) fanOut(script string, h *hub, up <-chan Item) {
	for it := range up {
		s.mu.Lock()
		if it.State != nil {
			st := *it.State
			h.last = &st
		}
		for _, sub := range h.subs {
			out := it
			if it.State != nil && sub.dropped > 0 {
				st := *it.State
				st.Dropped += sub.dropped
				out = Item{State: &st}
			}
			select {
			case sub.ch <- out:
			default:
				sub.dropped++
			}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sub := range h.subs {
		close(sub.ch)
		delete(h.subs, id)
	}
	if s.hubs[script] == h {
		delete(s.hubs, script)
	}
}

// leave removes a subscriber; the last one out closes the tail.
func (s *Shared) leave(script string, h *hub, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := h.subs[id]
	if !ok {
		return // the tail ended first
	}
	close(sub.ch)
	delete(h.subs, id)
	if len(h.subs) == 0 {
		h.cancel()
		if s.hubs[script] == h {
			delete(s.hubs, script)
		}
	}
}
