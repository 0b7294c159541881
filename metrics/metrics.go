// Package metrics defines every Prometheus metric of jfsync, registered on
// a registry passed in, and serves them. No user, group, permission or
// project name is ever a label value.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Definition describes one metric: the README's table is checked against
// these, and these against the registry.
type Definition struct {
	Name   string
	Type   string // counter, gauge or histogram
	Labels []string
	Help   string
}

// Definitions lists every metric, in the README's order.
func Definitions() []Definition {
	return []Definition{
		{"jfsync_build_info", "gauge", []string{"version", "goversion"}, "Always 1; the labels say which jfsync runs."},
		{"jfsync_runs_total", "counter", []string{"mode", "result"}, "Cycles run, by mode (plan, apply) and result (success, failure, blocked)."},
		{"jfsync_run_duration_seconds", "histogram", []string{"phase"}, "Duration of the phases of a cycle (sources, live, plan, apply, total)."},
		{"jfsync_last_run_timestamp_seconds", "gauge", nil, "When the last cycle ended (Unix time)."},
		{"jfsync_last_success_timestamp_seconds", "gauge", nil, "When the last successful cycle ended (Unix time)."},
		{"jfsync_consecutive_failures", "gauge", nil, "Cycles that failed in a row; 0 after a success."},
		{"jfsync_skipped_runs_total", "counter", nil, "Ticks and triggers that found a cycle running and did not start one."},
		{"jfsync_drift_objects", "gauge", []string{"kind", "action"}, "Changes in the last plan, by kind and action; 0 when converged."},
		{"jfsync_changes_applied_total", "counter", []string{"kind", "action", "result"}, "Changes apply attempted, by kind, action and result (success, failure, skipped)."},
		{"jfsync_desired_objects", "gauge", []string{"source", "kind"}, "Objects each source declared in the last cycle."},
		{"jfsync_live_objects", "gauge", []string{"kind"}, "Objects read from JFrog in the last cycle."},
		{"jfsync_source_errors_total", "counter", []string{"source"}, "Cycles in which a source failed."},
		{"jfsync_source_revision_info", "gauge", []string{"source", "revision"}, "Always 1; the revision (git commit) each source read last."},
		{"jfsync_guard_blocked_total", "counter", []string{"guard"}, "Cycles a guard blocked, by guard."},
		{"jfsync_api_requests_total", "counter", []string{"method", "route", "code"}, "JFrog Access API requests, retries included, by method, route template and status code (\"error\" when no answer came)."},
		{"jfsync_api_request_duration_seconds", "histogram", []string{"method", "route"}, "Duration of JFrog Access API requests."},
	}
}

// Metrics are jfsync's metrics. A nil *Metrics records nothing, so that
// commands without a registry need no checks.
type Metrics struct {
	runs                *prometheus.CounterVec
	runDuration         *prometheus.HistogramVec
	lastRun             prometheus.Gauge
	lastSuccess         prometheus.Gauge
	consecutiveFailures prometheus.Gauge
	skipped             prometheus.Counter
	drift               *prometheus.GaugeVec
	applied             *prometheus.CounterVec
	desired             *prometheus.GaugeVec
	live                *prometheus.GaugeVec
	sourceErrors        *prometheus.CounterVec
	revision            *prometheus.GaugeVec
	guardBlocked        *prometheus.CounterVec
	requests            *prometheus.CounterVec
	requestDuration     *prometheus.HistogramVec
}

// New registers every metric on reg.
func New(reg prometheus.Registerer, version string) *Metrics {
	defs := map[string]Definition{}
	for _, d := range Definitions() {
		defs[d.Name] = d
	}
	gauge := func(name string) *prometheus.GaugeVec {
		d := defs[name]
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: d.Name, Help: d.Help}, d.Labels)
	}
	counter := func(name string) *prometheus.CounterVec {
		d := defs[name]
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: d.Name, Help: d.Help}, d.Labels)
	}
	histogram := func(name string, buckets []float64) *prometheus.HistogramVec {
		d := defs[name]
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: d.Name, Help: d.Help, Buckets: buckets}, d.Labels)
	}
	single := func(name string) prometheus.Gauge {
		d := defs[name]
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: d.Name, Help: d.Help})
	}
	buildInfo := gauge("jfsync_build_info")
	m := &Metrics{
		runs:                counter("jfsync_runs_total"),
		runDuration:         histogram("jfsync_run_duration_seconds", []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}),
		lastRun:             single("jfsync_last_run_timestamp_seconds"),
		lastSuccess:         single("jfsync_last_success_timestamp_seconds"),
		consecutiveFailures: single("jfsync_consecutive_failures"),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: defs["jfsync_skipped_runs_total"].Name,
			Help: defs["jfsync_skipped_runs_total"].Help}),
		drift:           gauge("jfsync_drift_objects"),
		applied:         counter("jfsync_changes_applied_total"),
		desired:         gauge("jfsync_desired_objects"),
		live:            gauge("jfsync_live_objects"),
		sourceErrors:    counter("jfsync_source_errors_total"),
		revision:        gauge("jfsync_source_revision_info"),
		guardBlocked:    counter("jfsync_guard_blocked_total"),
		requests:        counter("jfsync_api_requests_total"),
		requestDuration: histogram("jfsync_api_request_duration_seconds", prometheus.DefBuckets),
	}
	reg.MustRegister(buildInfo, m.runs, m.runDuration, m.lastRun, m.lastSuccess, m.consecutiveFailures, m.skipped,
		m.drift, m.applied, m.desired, m.live, m.sourceErrors, m.revision, m.guardBlocked, m.requests, m.requestDuration)
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)
	return m
}

// Handler serves the registry's metrics.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// Request records one JFrog API request. status 0 means no answer came.
func (m *Metrics) Request(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(method, route, code).Inc()
	m.requestDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

// Cycle records the end of a cycle.
func (m *Metrics) Cycle(mode, result string, phases map[string]time.Duration, end time.Time) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(mode, result).Inc()
	for phase, d := range phases {
		m.runDuration.WithLabelValues(phase).Observe(d.Seconds())
	}
	m.lastRun.Set(float64(end.Unix()))
	if result == "failure" {
		m.consecutiveFailures.Inc()
		return
	}
	m.consecutiveFailures.Set(0)
	if result == "success" {
		m.lastSuccess.Set(float64(end.Unix()))
	}
}

// Skipped records a tick or trigger that did not start a cycle.
func (m *Metrics) Skipped() {
	if m != nil {
		m.skipped.Inc()
	}
}

// Drift sets the changes of the last plan: counts by kind and action. The
// kinds and actions not in counts are set to 0.
func (m *Metrics) Drift(kinds, actions []string, counts map[[2]string]int) {
	if m == nil {
		return
	}
	for _, k := range kinds {
		for _, a := range actions {
			m.drift.WithLabelValues(k, a).Set(float64(counts[[2]string{k, a}]))
		}
	}
}

// Applied records one change apply attempted.
func (m *Metrics) Applied(kind, action, result string) {
	if m != nil {
		m.applied.WithLabelValues(kind, action, result).Inc()
	}
}

// Desired sets the objects a source declared.
func (m *Metrics) Desired(source string, counts map[string]int) {
	if m == nil {
		return
	}
	for kind, n := range counts {
		m.desired.WithLabelValues(source, kind).Set(float64(n))
	}
}

// Live sets the live objects read, by kind.
func (m *Metrics) Live(counts map[string]int) {
	if m == nil {
		return
	}
	for kind, n := range counts {
		m.live.WithLabelValues(kind).Set(float64(n))
	}
}

// SourceError records a failed source.
func (m *Metrics) SourceError(source string) {
	if m != nil {
		m.sourceErrors.WithLabelValues(source).Inc()
	}
}

// Revision sets the revision a source read; the previous one is dropped.
func (m *Metrics) Revision(source, revision string) {
	if m == nil || revision == "" {
		return
	}
	m.revision.DeletePartialMatch(prometheus.Labels{"source": source})
	m.revision.WithLabelValues(source, revision).Set(1)
}

// GuardBlocked records a guard that blocked a cycle.
func (m *Metrics) GuardBlocked(guard string) {
	if m != nil {
		m.guardBlocked.WithLabelValues(guard).Inc()
	}
}
