package reconcile_test

import (
	"fmt"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/internal/benchmem"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

// The size of the benchmarks: DESIGN's large instance.
const (
	benchUsers       = 50_000
	benchGroups      = 5_000
	benchMembers     = 40
	benchPermissions = 1_000
	benchProjects    = 200
	benchDriftEvery  = 20 // 5% of the objects of each kind differ
)

func userName(i int) string  { return fmt.Sprintf("user%05d", i) }
func groupName(i int) string { return fmt.Sprintf("group%04d", i) }

// largeLive is the live state as an emulator state: every object of the
// desired state, with 5% of each kind drifted.
func largeLive() emulator.State {
	var s emulator.State
	for i := range benchUsers {
		email := userName(i) + "@example.com"
		if i%benchDriftEvery == 0 {
			email = userName(i) + "@old.example.com"
		}
		s.Users = append(s.Users, emulator.StateUser{Username: userName(i), Email: email})
	}
	for i := range benchGroups {
		g := emulator.StateGroup{Name: groupName(i), Description: "Group"}
		for m := range benchMembers {
			g.Members = append(g.Members, userName((i*benchMembers+m)%benchUsers))
		}
		if i%benchDriftEvery == 0 {
			g.Members = g.Members[1:] // one member missing
		}
		s.Groups = append(s.Groups, g)
	}
	for i := range benchPermissions {
		acts := []string{"read", "write"}
		if i%benchDriftEvery == 0 {
			acts = []string{"read"}
		}
		s.Permissions = append(s.Permissions, access.Permission{Name: fmt.Sprintf("perm%04d", i), Resources: access.PermissionResources{
			Repository: map[string]access.PermissionTarget{fmt.Sprintf("repo%04d", i): {IncludePatterns: []string{"**"},
				Actions: access.PermissionActions{Groups: map[string][]string{groupName(i % benchGroups): acts}}}},
		}})
	}
	for i := range benchProjects {
		roles := []string{"Developer"}
		if i%benchDriftEvery == 0 {
			roles = []string{"Viewer"}
		}
		s.Projects = append(s.Projects, emulator.StateProject{ProjectKey: fmt.Sprintf("proj%03d", i), DisplayName: "Project",
			Members: emulator.StateProjectMembers{Groups: map[string][]string{groupName(i): roles}}})
	}
	return s
}

// largeDesired is the desired state the live state drifted from.
func largeDesired() *desired.State {
	s := desired.New()
	for i := range benchUsers {
		email := userName(i) + "@example.com"
		s.Users[userName(i)] = &desired.User{Username: userName(i), Email: &email}
	}
	for i := range benchGroups {
		desc := "Group"
		g := &desired.Group{Name: groupName(i), Description: &desc}
		for m := range benchMembers {
			g.Members = append(g.Members, userName((i*benchMembers+m)%benchUsers))
		}
		s.Groups[groupName(i)] = g
	}
	for i := range benchPermissions {
		name := fmt.Sprintf("perm%04d", i)
		s.Permissions[name] = &desired.Permission{Name: name, Resources: desired.Resources{Repository: map[string]*desired.Target{
			fmt.Sprintf("repo%04d", i): {IncludePatterns: []string{"**"}, Groups: map[string][]string{groupName(i % benchGroups): {"read", "write"}}},
		}}}
	}
	for i := range benchProjects {
		key, display := fmt.Sprintf("proj%03d", i), "Project"
		s.Projects[key] = &desired.Project{ProjectKey: key, DisplayName: &display,
			Members: &desired.ProjectMembers{Groups: map[string][]string{groupName(i): {"Developer"}}}}
	}
	return s
}

const benchObjects = benchUsers + benchGroups + benchPermissions + benchProjects

// BenchmarkPlanLarge plans the large instance with 5% drift (no I/O: the
// live state is read once, outside the timing).
func BenchmarkPlanLarge(b *testing.B) {
	emu, err := emulator.New(emulator.Options{Token: token, State: largeLive()})
	if err != nil {
		b.Fatal(err)
	}
	c, _ := access.New(access.Options{URL: "http://embedded", Token: token, HTTPClient: emu.Client()})
	live, err := reconcile.ReadLive(b.Context(), c)
	if err != nil {
		b.Fatal(err)
	}
	d := largeDesired()
	pol := policy(nil)
	var plan *reconcile.Plan
	b.ReportAllocs()
	var peak float64
	for b.Loop() {
		peak = math.Max(peak, benchmem.PeakHeapMB(func() {
			if plan, err = reconcile.MakePlan(d, live, pol); err != nil {
				b.Fatal(err)
			}
		}))
	}
	s := plan.Summary()
	wantUsers, wantGroups := benchUsers/benchDriftEvery, benchGroups/benchDriftEvery
	if s.Update != wantUsers+wantGroups+benchPermissions/benchDriftEvery+benchProjects/benchDriftEvery {
		b.Fatalf("summary %+v", s)
	}
	b.ReportMetric(benchObjects, "objects")
	b.ReportMetric(float64(s.APICalls), "write-calls")
	b.ReportMetric(float64(benchObjects/benchDriftEvery), "min-calls") // one call per drifted object
	b.ReportMetric(peak, "peak-MB")
}

// BenchmarkApplyLarge applies the 5% drift to an emulator with 5 ms of
// latency per call, at concurrency 1 and 8, and reports the wall time next
// to the bound ceil(calls / concurrency) x latency.
func BenchmarkApplyLarge(b *testing.B) {
	const latency = 5 * time.Millisecond
	state := largeLive()
	d := largeDesired()
	for _, concurrency := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency-%d", concurrency), func(b *testing.B) {
			emu, err := emulator.New(emulator.Options{Token: token, State: state})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(emu)
			defer srv.Close()
			c, _ := access.New(access.Options{URL: srv.URL, Token: token, PageSize: 1000})
			var reads, writes, minCalls int
			var applyTime time.Duration
			var peak float64
			for b.Loop() {
				b.StopTimer()
				emu.Load(state)
				live, err := reconcile.ReadLive(b.Context(), c)
				if err != nil {
					b.Fatal(err)
				}
				plan, err := reconcile.MakePlan(d, live, policy(nil))
				if err != nil {
					b.Fatal(err)
				}
				minCalls = plan.Summary().APICalls
				reads = emu.Calls().Total
				emu.Load(state) // clears the call log
				emu.SetFaults(emulator.Faults{Latency: emulator.Duration(latency)})
				b.StartTimer()
				start := time.Now()
				peak = benchmem.PeakHeapMB(func() { reconcile.Apply(b.Context(), c, plan, reconcile.ApplyOptions{Concurrency: concurrency}) })
				applyTime = time.Since(start)
				b.StopTimer()
				writes = emu.Calls().Writes()
				for _, ch := range plan.Changes {
					if ch.Result != reconcile.ResultApplied {
						b.Fatalf("%s %s: %s %s", ch.Kind, ch.Name, ch.Result, ch.Error)
					}
				}
				b.StartTimer()
			}
			bound := time.Duration(math.Ceil(float64(minCalls)/float64(concurrency))) * latency
			b.ReportMetric(benchObjects, "objects")
			b.ReportMetric(float64(reads), "read-calls")
			b.ReportMetric(float64(writes), "write-calls")
			b.ReportMetric(float64(minCalls), "min-calls")
			b.ReportMetric(applyTime.Seconds(), "wall-s")
			b.ReportMetric(bound.Seconds(), "bound-s")
			b.ReportMetric(peak, "peak-MB")
		})
	}
}

// BenchmarkReadLive reads the large instance (users in pages of 1000) with
// no latency: the read side of a cycle.
func BenchmarkReadLive(b *testing.B) {
	emu, err := emulator.New(emulator.Options{Token: token, State: largeLive()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c, _ := access.New(access.Options{URL: srv.URL, Token: token, PageSize: 1000})
	var peak float64
	for b.Loop() {
		emu.Load(largeLive())
		peak = benchmem.PeakHeapMB(func() {
			if _, err := reconcile.ReadLive(b.Context(), c); err != nil {
				b.Fatal(err)
			}
		})
	}
	calls := emu.Calls()
	b.ReportMetric(benchObjects, "objects")
	b.ReportMetric(float64(calls.Total), "read-calls")
	b.ReportMetric(0, "write-calls")
	// One list per kind, two per project, and the user pages: limit and
	// offset give no total, so a last full page costs one more (empty)
	// page to see the end.
	b.ReportMetric(float64(3+benchUsers/1000+1+2*benchProjects), "min-calls")
	b.ReportMetric(peak, "peak-MB")
}
