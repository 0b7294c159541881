package reconcile

import (
	"strings"
	"time"

	"github.com/jfsync/jfsync/sources"
)

// SchemaVersion is the version of the JSON report's schema.
const SchemaVersion = 1

// Report is what one cycle did: the JSON report of DESIGN section 6, and
// what the text, Markdown and HTML reports show.
type Report struct {
	SchemaVersion   int            `json:"schema_version"`
	Mode            string         `json:"mode"` // plan or apply
	StartedAt       time.Time      `json:"started_at"`
	DurationSeconds float64        `json:"duration_seconds"`
	Target          Target         `json:"target"`
	Sources         []sources.Meta `json:"sources"`
	Summary         Summary        `json:"summary"`
	Changes         []*Change      `json:"changes"`
	Blocked         []Blocked      `json:"blocked"`
	Errors          []string       `json:"errors"`

	// Phases are the durations of the cycle's phases (sources, live,
	// plan, apply, total), for metrics.
	Phases map[string]time.Duration `json:"-"`
	// Live counts the live objects read, for metrics.
	Live map[string]int `json:"-"`
}

// Target is the JFrog instance a report is about.
type Target struct {
	URL     string `json:"url"`
	Version string `json:"version"`
}

// Modes of a cycle.
const (
	ModePlan  = "plan"
	ModeApply = "apply"
)

// Outcomes of a cycle.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeBlocked = "blocked"
)

func newReport(mode, url string, now time.Time) *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Mode:          mode,
		StartedAt:     now.UTC(),
		Target:        Target{URL: url},
		Sources:       []sources.Meta{},
		Changes:       []*Change{},
		Blocked:       []Blocked{},
		Errors:        []string{},
		Phases:        map[string]time.Duration{},
	}
}

// Failed is the report of a cycle that could not start.
func Failed(mode, target string, err error) *Report {
	rep := newReport(mode, target, time.Now())
	rep.fail(err)
	return rep
}

// fail records an error; a multi-line error (a list of problems) gives one
// entry per line.
func (r *Report) fail(err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		r.Errors = append(r.Errors, line)
	}
}

// Outcome is success, failure (an error, or a change that failed) or
// blocked (a guard stopped the cycle).
func (r *Report) Outcome() string {
	switch {
	case len(r.Errors) > 0 || r.Count(ResultFailed) > 0:
		return OutcomeFailure
	case len(r.Blocked) > 0:
		return OutcomeBlocked
	}
	return OutcomeSuccess
}

// Count counts the changes with a result.
func (r *Report) Count(result string) int {
	n := 0
	for _, c := range r.Changes {
		if c.Result == result {
			n++
		}
	}
	return n
}

// HasChanges reports whether the plan has changes that make calls.
func (r *Report) HasChanges() bool { return r.Summary != Summary{} }
