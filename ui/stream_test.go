package ui

import (
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// batchMsg is what the tests' wrap makes.
type batchMsg struct {
	items  []int
	closed bool
}

func wrapInts(batch []int, closed bool) tea.Msg { return batchMsg{batch, closed} }

// runAsync runs cmd in a goroutine and returns where its message arrives.
func runAsync(cmd tea.Cmd) <-chan tea.Msg {
	out := make(chan tea.Msg, 1)
	go func() { out <- cmd() }()
	return out
}

func TestWaitBatchTakesWhatIsWaiting(t *testing.T) {
	ch := make(chan int, 8)
	for i := range 5 {
		ch <- i
	}
	first := WaitBatch(ch, 3, wrapInts)().(batchMsg)
	if len(first.items) != 3 || first.items[0] != 0 || first.items[2] != 2 || first.closed {
		t.Errorf("first batch = %+v, want [0 1 2] open", first)
	}
	second := WaitBatch(ch, 3, wrapInts)().(batchMsg)
	if len(second.items) != 2 || second.items[0] != 3 || second.closed {
		t.Errorf("second batch = %+v, want [3 4] open (nothing else was waiting)", second)
	}
	ch <- 5
	close(ch)
	last := WaitBatch(ch, 3, wrapInts)().(batchMsg)
	if len(last.items) != 1 || last.items[0] != 5 || !last.closed {
		t.Errorf("last batch = %+v, want [5] closed", last)
	}
	if again := WaitBatch(ch, 3, wrapInts)().(batchMsg); len(again.items) != 0 || !again.closed {
		t.Errorf("on a drained closed channel = %+v, want nothing, closed", again)
	}
}

func TestWaitBatchBlocksForTheFirstItem(t *testing.T) {
	ch := make(chan int)
	got := runAsync(WaitBatch(ch, 10, wrapInts))
	select {
	case m := <-got:
		t.Fatalf("returned %+v before anything was sent", m)
	case <-time.After(20 * time.Millisecond):
	}
	ch <- 42
	m := (<-got).(batchMsg)
	if len(m.items) != 1 || m.items[0] != 42 || m.closed {
		t.Errorf("got %+v, want [42] open", m)
	}
}

func TestWaitBatchClosedChannelWakesTheReader(t *testing.T) {
	ch := make(chan int)
	got := runAsync(WaitBatch(ch, 10, wrapInts))
	time.Sleep(10 * time.Millisecond) // let it block
	close(ch)
	select {
	case m := <-got:
		if b := m.(batchMsg); len(b.items) != 0 || !b.closed {
			t.Errorf("got %+v, want an empty closed batch", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("closing the channel did not wake the reader")
	}
}

func TestWaitBatchReArmedReadsAStreamInOrder(t *testing.T) {
	const n, maxBatch = 1000, 16
	ch := make(chan int, 4)
	go func() {
		defer close(ch)
		for i := range n {
			ch <- i
		}
	}()
	var all []int
	for reads := 0; ; reads++ {
		if reads > n+1 {
			t.Fatal("the stream never reported closed")
		}
		m := WaitBatch(ch, maxBatch, wrapInts)().(batchMsg)
		if len(m.items) > maxBatch {
			t.Fatalf("a batch of %d items, more than %d", len(m.items), maxBatch)
		}
		all = append(all, m.items...)
		if m.closed {
			break
		}
	}
	if len(all) != n {
		t.Fatalf("read %d items, want %d", len(all), n)
	}
	for i, v := range all {
		if v != i {
			t.Fatalf("item %d is %d: out of order", i, v)
		}
	}
}

func TestWaitBatchLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	var chans []chan int
	var results []<-chan tea.Msg
	for range 50 {
		ch := make(chan int)
		chans = append(chans, ch)
		results = append(results, runAsync(WaitBatch(ch, 4, wrapInts)))
	}
	for _, ch := range chans {
		close(ch) // the producer stops: every reader must end
	}
	for _, r := range results {
		select {
		case <-r:
		case <-time.After(5 * time.Second):
			t.Fatal("a reader did not end after its channel closed")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the readers ended, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWaitBatchMaxBelowOne(t *testing.T) {
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	if m := WaitBatch(ch, 0, wrapInts)().(batchMsg); len(m.items) != 1 {
		t.Errorf("max 0 took %d items, want 1", len(m.items))
	}
}
