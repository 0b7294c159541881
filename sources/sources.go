// Package sources defines what a source of desired state is, and loads
// several of them into one merged, validated state.
package sources

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/jfsync/jfsync/desired"
)

// Source reads one part of the desired state.
type Source interface {
	// Name is the source's name in the config; it prefixes every message
	// about the source.
	Name() string
	// Load reads the source. A source that cannot be read fully returns
	// an error: never a partial state.
	Load(ctx context.Context) (*desired.State, Meta, error)
}

// Meta describes what a source loaded.
type Meta struct {
	Name     string         `json:"name"`
	Kind     string         `json:"kind"`               // file, git or ldap
	Revision string         `json:"revision,omitempty"` // a git commit SHA
	Objects  desired.Counts `json:"objects"`
	// Notes are facts worth reporting, such as LDAP members outside the
	// users search.
	Notes map[string]int `json:"notes,omitempty"`
	// EmptySearches describe searches that found nothing, such as an LDAP
	// group search: the empty-source guard blocks on them.
	EmptySearches []string `json:"empty_searches,omitempty"`
}

// Result is what LoadAll read.
type Result struct {
	State *desired.State // merged and validated
	Metas []Meta         // one per source that loaded, in order
	// Failed names the sources that failed to load (on error).
	Failed []string
}

// maxParallel bounds how many sources load at once.
const maxParallel = 4

// Check is an extra check of the merged state, such as the policy's scope;
// it returns a *desired.ListError or nil.
type Check func(*desired.State) error

// LoadAll loads every source (concurrently), then merges the states in the
// sources' order and validates the result, with the extra checks. It fails
// if any source fails: every error is returned, desired-state problems as
// one *desired.ListError listing them all.
func LoadAll(ctx context.Context, srcs []Source, checks ...Check) (Result, error) {
	states := make([]*desired.State, len(srcs))
	metas := make([]Meta, len(srcs))
	errs := make([]error, len(srcs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxParallel)
	for i, src := range srcs {
		g.Go(func() error {
			states[i], metas[i], errs[i] = src.Load(gctx)
			return nil // one failing source must not cancel the others: all errors are reported
		})
	}
	g.Wait()

	var problems desired.Errors
	names := make([]string, len(srcs))
	for i, src := range srcs {
		names[i] = src.Name()
	}
	problems.SetSourceOrder(names)
	var other []error
	var res Result
	for i, err := range errs {
		if err == nil {
			res.Metas = append(res.Metas, metas[i])
			continue
		}
		res.Failed = append(res.Failed, srcs[i].Name())
		if !problems.AddList(err) {
			other = append(other, fmt.Errorf("source %q: %w", srcs[i].Name(), err))
		}
	}
	if len(other) > 0 || problems.Len() > 0 {
		return res, joinErrors(problems.Err(), other)
	}
	// Conflicts and invalid values are reported together.
	merged, err := desired.Merge(states...)
	problems.AddList(err)
	problems.AddList(desired.Validate(merged))
	for _, check := range checks {
		if err := check(merged); !problems.AddList(err) && err != nil {
			return res, err
		}
	}
	if err := problems.Err(); err != nil {
		return res, err
	}
	res.State = merged
	return res, nil
}

// joinErrors puts source failures first, then desired-state problems.
func joinErrors(problems error, other []error) error {
	if problems != nil {
		other = append(other, problems)
	}
	return errors.Join(other...)
}
