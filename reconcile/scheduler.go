package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/jfsync/jfsync/metrics"
)

// CycleInfo is one line of the daemon's history.
type CycleInfo struct {
	Started  time.Time
	Duration time.Duration
	Mode     string
	Result   string
	Changes  int // changes that make calls
	Trigger  string
}

// Scheduler runs cycles on a cron schedule and on demand, one at a time: a
// tick that finds a cycle running is skipped; triggers that arrive during
// a cycle are coalesced into one cycle after it. Both are counted as
// skipped runs.
type Scheduler struct {
	schedule   cron.Schedule
	runOnStart bool
	cycle      func(ctx context.Context) *Report
	log        *slog.Logger
	metrics    *metrics.Metrics
	now        func() time.Time

	wake chan string // one pending cycle at most, with its trigger

	mu        sync.Mutex
	running   bool
	last      *Report
	history   []CycleInfo
	succeeded bool
	notice    string
}

// historySize is how many cycles the status page lists.
const historySize = 20

// NewScheduler parses the schedule (5 cron fields, or @every 10m, @hourly
// ...) and returns a scheduler that runs cycle.
func NewScheduler(schedule string, runOnStart bool, cycle func(context.Context) *Report, log *slog.Logger, m *metrics.Metrics) (*Scheduler, error) {
	sched, err := cron.ParseStandard(schedule)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", schedule, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{schedule: sched, runOnStart: runOnStart, cycle: cycle, log: log, metrics: m, now: time.Now,
		wake: make(chan string, 1)}, nil
}

// Run runs cycles until ctx is done; the cycle running then is told to
// stop (its calls in flight finish) and Run returns when it has.
func (s *Scheduler) Run(ctx context.Context) {
	if s.runOnStart {
		s.Trigger("start")
	}
	go s.tick(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case trigger := <-s.wake:
			s.runCycle(ctx, trigger)
		}
	}
}

// tick fires on the schedule.
func (s *Scheduler) tick(ctx context.Context) {
	for {
		next := s.schedule.Next(s.now())
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.mu.Lock()
		running := s.running
		s.mu.Unlock()
		if running {
			s.skip("schedule", "a cycle is running")
			continue
		}
		s.Trigger("schedule")
	}
}

// Trigger asks for a cycle now. During a cycle, it is coalesced into one
// cycle that runs after it.
func (s *Scheduler) Trigger(reason string) {
	s.mu.Lock()
	running := s.running
	s.mu.Unlock()
	select {
	case s.wake <- reason:
		if running {
			s.skip(reason, "a cycle is running; one more cycle will follow it")
		}
	default:
		s.skip(reason, "a cycle is already pending")
	}
}

func (s *Scheduler) skip(trigger, why string) {
	s.metrics.Skipped()
	s.log.Info("cycle not started", "trigger", trigger, "reason", why)
}

func (s *Scheduler) runCycle(ctx context.Context, trigger string) {
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	s.log.Info("cycle start", "trigger", trigger)
	rep := s.cycle(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	s.last = rep
	if rep.Outcome() != OutcomeFailure {
		s.succeeded = true
	}
	info := CycleInfo{Started: rep.StartedAt, Duration: time.Duration(rep.DurationSeconds * float64(time.Second)),
		Mode: rep.Mode, Result: rep.Outcome(), Changes: rep.Summary.Create + rep.Summary.Update + rep.Summary.Disable + rep.Summary.Delete, Trigger: trigger}
	s.history = append([]CycleInfo{info}, s.history...)
	if len(s.history) > historySize {
		s.history = s.history[:historySize]
	}
}

// Ready reports whether a cycle has succeeded and the last one did not
// fail.
func (s *Scheduler) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.succeeded && s.last != nil && s.last.Outcome() != OutcomeFailure
}

// Last returns the last cycle's report, or nil.
func (s *Scheduler) Last() *Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// History returns the last cycles, newest first.
func (s *Scheduler) History() []CycleInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CycleInfo(nil), s.history...)
}

// SetNotice sets (or clears, with "") a message for the status page, such
// as a config that failed to load.
func (s *Scheduler) SetNotice(msg string) {
	s.mu.Lock()
	s.notice = msg
	s.mu.Unlock()
}

// Notice returns the status page's message.
func (s *Scheduler) Notice() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notice
}
