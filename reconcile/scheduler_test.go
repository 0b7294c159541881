package reconcile_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jfsync/jfsync/metrics"
	"github.com/jfsync/jfsync/reconcile"
)

// slowCycle is a cycle that waits to be released, counting how many run
// at once.
type slowCycle struct {
	running, maxRunning, runs atomic.Int32
	release                   chan struct{}
	started                   chan struct{}
}

func (c *slowCycle) run(ctx context.Context) *reconcile.Report {
	n := c.running.Add(1)
	for {
		m := c.maxRunning.Load()
		if n <= m || c.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	c.runs.Add(1)
	c.started <- struct{}{}
	select {
	case <-c.release:
	case <-ctx.Done():
	}
	c.running.Add(-1)
	return reconcile.Failed("plan", "test", context.Canceled)
}

func TestSchedulerNeverOverlapsAndCoalesces(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "test")
	c := &slowCycle{release: make(chan struct{}), started: make(chan struct{}, 10)}
	s, err := reconcile.NewScheduler("@every 1h", false, c.run, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx) })

	s.Trigger("api")
	<-c.started // the first cycle runs
	for range 5 {
		s.Trigger("webhook") // coalesced into one follow-up
	}
	close(c.release)
	<-c.started // the follow-up
	time.Sleep(100 * time.Millisecond)
	cancel()
	wg.Wait()

	if c.maxRunning.Load() != 1 {
		t.Errorf("%d cycles ran at once", c.maxRunning.Load())
	}
	if c.runs.Load() != 2 {
		t.Errorf("%d cycles ran, want 2 (one, and one follow-up for the triggers during it)", c.runs.Load())
	}
	if n := testutil.ToFloat64(skippedCounter(t, reg)); n != 5 {
		t.Errorf("skipped runs %v, want 5", n)
	}
	if len(s.History()) != 2 || s.History()[0].Trigger != "webhook" {
		t.Errorf("history %+v", s.History())
	}
	if s.Ready() {
		t.Error("ready after failed cycles")
	}
}

func skippedCounter(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	return prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "jfsync_skipped_runs_total" {
				ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("skipped", "x", nil, nil), prometheus.CounterValue, f.GetMetric()[0].GetCounter().GetValue())
			}
		}
	})
}

func TestSchedulerTicksAndSkipsTicksDuringACycle(t *testing.T) {
	c := &slowCycle{release: make(chan struct{}), started: make(chan struct{}, 10)}
	s, err := reconcile.NewScheduler("@every 1s", true, c.run, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx) })
	<-c.started                         // run_on_start
	time.Sleep(2500 * time.Millisecond) // two ticks find it running
	close(c.release)
	select {
	case <-c.started:
	case <-time.After(5 * time.Second):
		t.Fatal("no tick after the cycle ended")
	}
	cancel()
	wg.Wait()
	if c.maxRunning.Load() != 1 {
		t.Errorf("%d cycles ran at once", c.maxRunning.Load())
	}
}

func TestSchedulerRejectsABadSchedule(t *testing.T) {
	if _, err := reconcile.NewScheduler("every day", false, nil, nil, nil); err == nil {
		t.Error("no error")
	}
}
