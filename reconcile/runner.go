package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/jfsync/jfsync/metrics"
	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/sources"
)

// Runner runs one cycle: read the sources, read the live state, plan,
// check the guards, and apply (in apply mode), producing a Report.
type Runner struct {
	Sources    []sources.Source
	AllowEmpty map[string]bool // source names that may return nothing
	Client     *access.Client
	// Target names the JFrog instance in reports (default: the client's
	// URL).
	Target      string
	Policy      Policy
	Concurrency int
	Log         *slog.Logger
	// Grace is how long calls in flight may go on after ctx is done.
	Grace time.Duration
	// Metrics, when set, records the cycle.
	Metrics *metrics.Metrics
}

// RunOptions are the options of one cycle.
type RunOptions struct {
	Apply bool // apply the plan; otherwise only report it
	Force bool // apply even when a delete limit blocks
}

// Run runs one cycle. It never panics on bad input and always returns a
// report; what went wrong is in its Errors and Blocked.
func (r *Runner) Run(ctx context.Context, opts RunOptions) *Report {
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mode := ModePlan
	if opts.Apply {
		mode = ModeApply
	}
	start := time.Now()
	target := r.Target
	if target == "" {
		target = r.Client.URL()
	}
	rep := newReport(mode, target, start)
	defer func() {
		rep.Phases["total"] = time.Since(start)
		rep.DurationSeconds = rep.Phases["total"].Seconds()
		logSummary(log, rep)
		recordCycle(r.Metrics, rep)
	}()
	phase := func(name string, f func()) {
		t := time.Now()
		f()
		rep.Phases[name] = time.Since(t)
	}

	var res sources.Result
	var err error
	phase("sources", func() { res, err = sources.LoadAll(ctx, r.Sources, r.Policy.CheckScope) })
	rep.Sources = append(rep.Sources, res.Metas...)
	for _, name := range res.Failed {
		r.Metrics.SourceError(name)
	}
	if err != nil {
		rep.fail(err) // fail closed: nothing is planned on a source error
		return rep
	}
	blocked := CheckEmptySources(res.Metas, r.AllowEmpty)

	var live *Live
	phase("live", func() {
		live, err = ReadLive(ctx, r.Client)
		if err == nil {
			var v access.SystemVersion
			if v, err = r.Client.Version(ctx); err == nil {
				rep.Target.Version = v.Version
			}
		}
	})
	if err != nil {
		rep.fail(err)
		return rep
	}
	c := live.Counts()
	rep.Live = map[string]int{KindUser: c.Users, KindGroup: c.Groups, KindPermission: c.Permissions, KindProject: c.Projects}

	var plan *Plan
	phase("plan", func() { plan, err = MakePlan(res.State, live, r.Policy) })
	if err != nil {
		rep.fail(err)
		return rep
	}
	rep.Changes = append(rep.Changes, plan.Changes...)
	rep.Summary = plan.Summary()
	if !opts.Force {
		blocked = append(blocked, CheckDeleteLimits(plan, live, r.Policy)...)
	}
	if len(blocked) > 0 {
		rep.Blocked = blocked
		for _, c := range rep.Changes {
			if !c.Protected() {
				c.Result = ResultSkipped
			}
		}
		return rep
	}
	if opts.Apply {
		observe := func(c *Change) { r.Metrics.Applied(c.Kind, c.Action, appliedResult(c.Result)) }
		phase("apply", func() {
			Apply(ctx, r.Client, plan, ApplyOptions{Concurrency: r.Concurrency, Log: log, Observe: observe, Grace: r.Grace})
		})
		if err := ctx.Err(); err != nil {
			rep.fail(fmt.Errorf("apply interrupted (%w): %d changes applied, %d not made; run apply again to converge",
				err, rep.Count(ResultApplied), rep.Count(ResultSkipped)+rep.Count(ResultFailed)))
		}
	}
	return rep
}

// recordCycle feeds the metrics from a cycle's report.
func recordCycle(m *metrics.Metrics, rep *Report) {
	if m == nil {
		return
	}
	for _, s := range rep.Sources {
		c := s.Objects
		m.Desired(s.Name, map[string]int{"users": c.Users, "groups": c.Groups, "permissions": c.Permissions, "projects": c.Projects})
		m.Revision(s.Name, s.Revision)
	}
	if rep.Live != nil {
		m.Live(rep.Live)
	}
	for _, b := range rep.Blocked {
		m.GuardBlocked(b.Guard)
	}
	// Drift is what is left to do: what was planned and not applied.
	drift := map[[2]string]int{}
	for _, c := range rep.Changes {
		if c.Result != ResultApplied && !c.Protected() {
			drift[[2]string{c.Kind, c.Action}]++
		}
	}
	if len(rep.Errors) == 0 || len(rep.Changes) > 0 {
		m.Drift([]string{KindUser, KindGroup, KindPermission, KindProject, KindProjectMember},
			[]string{ActionCreate, ActionUpdate, ActionDisable, ActionDelete}, drift)
	}
	m.Cycle(rep.Mode, rep.Outcome(), rep.Phases, rep.StartedAt.Add(rep.Phases["total"]))
}

// appliedResult names a change's result as the metrics do.
func appliedResult(result string) string {
	switch result {
	case ResultApplied:
		return "success"
	case ResultFailed:
		return "failure"
	}
	return "skipped"
}

// logSummary ends a cycle with one log line.
func logSummary(log *slog.Logger, rep *Report) {
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	s := rep.Summary
	attrs := []any{"mode", rep.Mode, "result", rep.Outcome(), "create", s.Create, "update", s.Update,
		"disable", s.Disable, "delete", s.Delete, "api_calls", s.APICalls,
		"duration", time.Duration(rep.DurationSeconds * float64(time.Second)).Round(time.Millisecond),
		"heap_mib", mem.HeapAlloc >> 20}
	if rep.Mode == ModeApply {
		attrs = append(attrs, "applied", rep.Count(ResultApplied), "failed", rep.Count(ResultFailed), "skipped", rep.Count(ResultSkipped))
	}
	switch rep.Outcome() {
	case OutcomeFailure:
		log.Error("cycle done", append(attrs, "errors", len(rep.Errors))...)
	case OutcomeBlocked:
		log.Warn("cycle done", append(attrs, "blocked", len(rep.Blocked))...)
	default:
		log.Info("cycle done", attrs...)
	}
}
