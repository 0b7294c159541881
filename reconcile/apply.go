package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jfsync/jfsync/reconcile/access"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	Concurrency int // changes in flight at once (default 1)
	Log         *slog.Logger
	// Observe, when set, is called once per change that was due to make
	// calls, with its result.
	Observe func(*Change)
	// Grace is how long the calls in flight may go on once ctx is done
	// (default 30s): a stop lets the running call finish.
	Grace time.Duration
}

// Apply makes the plan's changes in the order of DESIGN section 7: phase
// by phase, the changes of one phase concurrently (the client's rate
// limiter bounds them all). One failure does not stop the others; a change
// that depends on a failed or skipped change is skipped. Each change's
// Result and Error say what happened. When ctx is done, no change starts;
// the calls in flight finish (within the grace).
func Apply(ctx context.Context, cl *access.Client, plan *Plan, opts ApplyOptions) {
	concurrency, log, observe := max(opts.Concurrency, 1), opts.Log, opts.Observe
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	grace := opts.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancelCalls) })
	defer stop()
	// mu guards broken, the changes' results, and calls of observe, which
	// the goroutines of a phase share with this loop.
	var mu sync.Mutex
	broken := map[string]string{} // change id -> why it did not happen
	for phase := range phaseCount {
		g := new(errgroup.Group)
		g.SetLimit(concurrency)
		for _, c := range plan.Changes {
			if c.phase != phase || c.Protected() {
				continue
			}
			mu.Lock()
			why := blockedBy(c, broken)
			if why != "" {
				c.Result, c.Error = ResultSkipped, why
				broken[c.id] = "skipped"
				notify(observe, c)
			}
			mu.Unlock()
			if why != "" {
				continue
			}
			g.Go(func() error {
				err := ctx.Err()
				if err == nil {
					err = c.apply(callCtx, cl)
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					c.Result = ResultApplied
					log.Info("applied", "kind", c.Kind, "name", c.Name, "action", c.Action)
				case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
					c.Result, c.Error = ResultSkipped, "cancelled: "+err.Error()
					broken[c.id] = "cancelled"
				default:
					c.Result, c.Error = ResultFailed, err.Error()
					broken[c.id] = "failed"
					log.Error("change failed", "kind", c.Kind, "name", c.Name, "action", c.Action, "error", err)
				}
				notify(observe, c)
				return nil
			})
		}
		g.Wait()
	}
}

// blockedBy says why a change cannot run: a dependency that did not
// happen; "" when it can.
func blockedBy(c *Change, broken map[string]string) string {
	for _, dep := range c.deps {
		if what, ok := broken[dep]; ok {
			return fmt.Sprintf("skipped: it depends on %s, which %s", dep, what)
		}
	}
	return ""
}

func notify(observe func(*Change), c *Change) {
	if observe != nil {
		observe(c)
	}
}
