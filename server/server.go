// Package server is the daemon's HTTP interface: Prometheus metrics,
// health and readiness, the status page, the last report, and the sync
// trigger and git webhooks that run a cycle now.
package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jfsync/jfsync/metrics"
	"github.com/jfsync/jfsync/reconcile"
)

// Server serves the daemon's endpoints.
type Server struct {
	Scheduler *reconcile.Scheduler
	Registry  *prometheus.Registry
	// TriggerToken is the bearer token of POST /api/v1/sync; empty turns
	// the endpoint off.
	TriggerToken string
	// WebhookSecret checks POST /hooks/git; empty turns the endpoint off.
	WebhookSecret string
	Log           *slog.Logger
}

// maxWebhookBody is the largest webhook payload read.
const maxWebhookBody = 1 << 20

// Handler returns the endpoints of DESIGN section 9.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(s.Registry))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /{$}", s.status)
	mux.HandleFunc("GET /api/v1/report", s.report)
	mux.HandleFunc("POST /api/v1/sync", s.sync)
	mux.HandleFunc("POST /hooks/git", s.webhook)
	return mux
}

func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	if !s.Scheduler.Ready() {
		http.Error(w, "not ready: no cycle has succeeded yet, or the last one failed", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

func (s *Server) report(w http.ResponseWriter, _ *http.Request) {
	rep := s.Scheduler.Last()
	if rep == nil {
		http.Error(w, "no cycle has run yet", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	reconcile.WriteJSON(w, rep)
}

// sync runs a cycle now for a caller with the trigger token.
func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if s.TriggerToken == "" || !strings.EqualFold(scheme, "Bearer") || !equal(token, s.TriggerToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jfsync"`)
		http.Error(w, "a valid trigger token is required (Authorization: Bearer ...)", http.StatusUnauthorized)
		return
	}
	s.Scheduler.Trigger("api")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "cycle requested\n")
}

// webhook runs a cycle for a git push whose signature checks: GitHub's
// X-Hub-Signature-256, GitLab's X-Gitlab-Token or Gitea's
// X-Gitea-Signature.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "cannot read the payload", http.StatusRequestEntityTooLarge)
		return
	}
	if s.WebhookSecret == "" || !s.signed(r.Header, body) {
		s.Log.Warn("git webhook with a bad or missing signature", "remote", r.RemoteAddr)
		http.Error(w, "bad or missing signature", http.StatusUnauthorized)
		return
	}
	s.Scheduler.Trigger("webhook")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "cycle requested\n")
}

func (s *Server) signed(h http.Header, body []byte) bool {
	mac := hmac.New(sha256.New, []byte(s.WebhookSecret))
	mac.Write(body)
	sum := mac.Sum(nil)
	switch {
	case h.Get("X-Hub-Signature-256") != "":
		got, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
		return ok && hexEqual(got, sum)
	case h.Get("X-Gitea-Signature") != "":
		return hexEqual(h.Get("X-Gitea-Signature"), sum)
	case h.Get("X-Gitlab-Token") != "":
		return equal(h.Get("X-Gitlab-Token"), s.WebhookSecret)
	}
	return false
}

func hexEqual(got string, want []byte) bool {
	b, err := hex.DecodeString(got)
	return err == nil && hmac.Equal(b, want)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// status serves the status page: the last cycles and the current drift.
func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	data := statusData{History: s.Scheduler.History(), Notice: s.Scheduler.Notice(), Ready: s.Scheduler.Ready()}
	if rep := s.Scheduler.Last(); rep != nil {
		view := reconcile.NewHTMLData(rep)
		data.Last = &view
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := statusPage().Execute(w, data); err != nil {
		s.Log.Error("status page", "error", err)
	}
}

type statusData struct {
	History []reconcile.CycleInfo
	Notice  string
	Ready   bool
	Last    *reconcile.HTMLData
}

func statusPage() *template.Template {
	return template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>jfsync</title><style>` + reconcile.HTMLStyle + `</style></head>
<body><h1>jfsync</h1>
<p>{{if .Ready}}Ready.{{else}}<span class="failed">Not ready</span>: no cycle has succeeded yet, or the last one failed.{{end}}</p>
{{if .Notice}}<p class="failed">{{.Notice}}</p>{{end}}
<h2>Last cycles</h2>
{{if .History}}<table><tr><th>started</th><th>duration</th><th>mode</th><th>result</th><th>changes</th><th>trigger</th></tr>
{{range .History}}<tr><td>{{.Started.Format "2006-01-02 15:04:05 UTC"}}</td><td>{{.Duration}}</td><td>{{.Mode}}</td><td{{if eq .Result "failure"}} class="failed"{{end}}>{{.Result}}</td><td>{{.Changes}}</td><td>{{.Trigger}}</td></tr>
{{end}}</table>{{else}}<p class="muted">No cycle has run yet.</p>{{end}}
{{with .Last}}<h2>Current drift ({{.Report.Mode}}, {{.Outcome}})</h2>
<p class="muted">Sources {{.Sources}}; target {{.Report.Target.URL}}</p>
{{range .Report.Errors}}<p class="failed">Error: {{.}}</p>{{end}}
{{range .Report.Blocked}}<p class="failed">Blocked by {{.Guard}}: {{.Message}}</p>{{end}}
{{if .Changes}}<table><tr><th></th><th>kind</th><th>name</th><th>action</th><th>details</th><th>result</th></tr>
{{range .Changes}}<tr><td>{{.Symbol}}</td><td>{{.Kind}}</td><td>{{.Name}}</td><td>{{.Action}}</td><td>{{.Details}}{{if .Diff}}<pre>{{.Diff}}</pre>{{end}}</td><td>{{.Result}}{{if .Error}}: {{.Error}}{{end}}</td></tr>
{{end}}</table>{{end}}
<p>{{.Footer}}</p>{{end}}
</body></html>
`))
}
