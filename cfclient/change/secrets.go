package change

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/throttle"
)

// CountSecrets finds out which scripts a delete plan would take secret
// values with (lost for good: the API never returns them), which the
// listing does not say: it reads each deleted script's settings (one
// request per script, 4 at a time, in the throttle's background class, so
// a console stays responsive while it runs) and sets the
// Loses of the ops of scripts with secrets, naming them (their undo still
// restores the rest); plan.Bulk then knows WithSecrets, and
// plan.Irreversible counts them. progress, if not nil, is told after each read. A
// script gone since the plan is left as it is (its op will find it done).
func (p *Planner) CountSecrets(ctx context.Context, plan *Plan, progress func(done, total int)) error {
	ctx = throttle.WithPriority(ctx, throttle.Background)
	var idx []int
	for i, op := range plan.Ops {
		if op.Kind == ScriptDelete {
			idx = append(idx, i)
		}
	}
	type found struct {
		i       int
		secrets []string
		err     error
	}
	work := make(chan int)
	results := make(chan found)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				t := plan.Ops[i].Target
				st, err := p.c.GetSettings(ctx, t.Namespace, t.Script)
				if errors.Is(err, cfclient.ErrNotFound) {
					err = nil
				}
				f := found{i: i, err: err}
				for _, b := range st.Bindings {
					if IsSecretBinding(b.Type) {
						f.secrets = append(f.secrets, b.Name)
					}
				}
				results <- f
			}
		}()
	}
	go func() {
		defer close(work)
		for _, i := range idx {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var firstErr error
	done, with := 0, 0
	for f := range results {
		done++
		if f.err != nil && firstErr == nil {
			firstErr = f.err
		}
		if len(f.secrets) > 0 {
			with++
			plan.Ops[f.i].Loses = fmt.Sprintf("its secret values (%s) cannot be read, so an undo restores the script without them", strings.Join(f.secrets, ", "))
		}
		if progress != nil {
			progress(done, len(idx))
		}
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return fmt.Errorf("count the secrets: %w", firstErr)
	}
	if plan.Bulk != nil {
		plan.Bulk.SecretsUnknown, plan.Bulk.WithSecrets = false, with
	}
	return nil
}
