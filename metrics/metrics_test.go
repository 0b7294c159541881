package metrics_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/jfsync/jfsync/metrics"
)

// fed returns a registry whose every metric has a series.
func fed(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "v1.2.3")
	m.Request("GET", "/api/v2/users", 200, 10*time.Millisecond)
	m.Request("PATCH", "/api/v2/groups/{groupName}", 0, time.Second)
	m.Cycle("apply", "success", map[string]time.Duration{"total": time.Second, "plan": time.Millisecond}, time.Now())
	m.Skipped()
	m.Drift([]string{"user"}, []string{"create"}, map[[2]string]int{{"user", "create"}: 3})
	m.Applied("user", "create", "success")
	m.Desired("policy", map[string]int{"users": 3})
	m.Live(map[string]int{"user": 5})
	m.SourceError("corp")
	m.Revision("policy", "3f2a1c9")
	m.Revision("policy", "4e5d6c7")
	m.GuardBlocked("max_deletes")
	return reg
}

func TestEveryDefinitionIsRegistered(t *testing.T) {
	families, err := fed(t).Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*dto.MetricFamily{}
	for _, f := range families {
		got[f.GetName()] = f
	}
	for _, d := range metrics.Definitions() {
		f := got[d.Name]
		if f == nil {
			t.Errorf("%s is not registered", d.Name)
			continue
		}
		if typ := strings.ToLower(f.GetType().String()); typ != d.Type {
			t.Errorf("%s is a %s, defined as a %s", d.Name, typ, d.Type)
		}
		var labels []string
		for _, l := range f.GetMetric()[0].GetLabel() {
			labels = append(labels, l.GetName())
		}
		want := slices.Sorted(slices.Values(d.Labels))
		if !slices.Equal(labels, want) {
			t.Errorf("%s has labels %v, defined %v", d.Name, labels, want)
		}
		delete(got, d.Name)
	}
	for name := range got {
		t.Errorf("%s is registered but not defined (and not in the README)", name)
	}
}

func TestOneRevisionPerSource(t *testing.T) {
	n := testutil.CollectAndCount(mustCollector(t, fed(t), "jfsync_source_revision_info"))
	if n != 1 {
		t.Errorf("%d revision series, want 1: the old revision is dropped", n)
	}
}

func mustCollector(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	return prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		families, _ := reg.Gather()
		for _, f := range families {
			if f.GetName() == name {
				for range f.GetMetric() {
					ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "x", nil, nil), prometheus.GaugeValue, 1)
				}
			}
		}
	})
}

func TestExpositionLints(t *testing.T) {
	problems, err := testutil.GatherAndLint(fed(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if testing.Short() {
			t.Skip("promtool is not installed; skipped under -short (make test installs it)")
		}
		t.Fatal("promtool is missing: apt-get install prometheus (make test installs it)")
	}
	families, err := fed(t).Gather()
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	enc := expfmt.NewEncoder(&text, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &text
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestREADMETable checks the README's metrics table against the
// definitions, row by row.
func TestREADMETable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(jfsync_[a-z_]+)` \\| ([a-z]+) \\| ([^|]*) \\|")
	var rows []string
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		rows = append(rows, m[1]+" "+m[2]+" "+strings.TrimSpace(m[3]))
	}
	var want []string
	for _, d := range metrics.Definitions() {
		want = append(want, d.Name+" "+d.Type+" "+strings.Join(d.Labels, ", "))
	}
	if !slices.Equal(rows, want) {
		t.Errorf("README metrics table:\n%s\nwant (from metrics.Definitions):\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}
