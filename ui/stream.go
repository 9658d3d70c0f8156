package ui

import tea "charm.land/bubbletea/v2"

// WaitBatch is the re-armed reader of a stream (glow's pattern, and the
// scripts screen's waitPages): the command it returns blocks for the next
// item on ch, then takes whatever else is already waiting, up to maxItems
// items in all, without blocking again, and reports them as one message
// made by wrap. A fast producer is thus applied in a few large steps rather
// than one Update (and one frame) per item.
//
// closed is true when ch was found closed: batch holds the items read before
// that (possibly none), no more will come, and the reader must not be
// re-armed. Otherwise the caller re-arms it by returning WaitBatch again
// from its handler of the message.
//
// The producer must close ch when it stops (also when it is cancelled), so
// a waiting reader always wakes and its goroutine ends. Messages should
// carry the owner's id or token, as every result does, so a batch of a
// superseded stream is dropped.
func WaitBatch[T any](ch <-chan T, maxItems int, wrap func(batch []T, closed bool) tea.Msg) tea.Cmd {
	maxItems = max(1, maxItems)
	return func() tea.Msg {
		item, ok := <-ch
		if !ok {
			return wrap(nil, true)
		}
		batch := make([]T, 1, min(maxItems, 1+len(ch)))
		batch[0] = item
		for len(batch) < maxItems {
			select {
			case item, ok := <-ch:
				if !ok {
					return wrap(batch, true)
				}
				batch = append(batch, item)
			default:
				return wrap(batch, false)
			}
		}
		return wrap(batch, false)
	}
}
