package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jfsync/jfsync/metrics"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/server"
)

const (
	triggerToken  = "trigger-t0ken"
	webhookSecret = "hook-s3cret"
)

type harness struct {
	url    string
	cycles atomic.Int32
	ran    chan struct{}
	sched  *reconcile.Scheduler
}

func start(t *testing.T) *harness {
	t.Helper()
	h := &harness{ran: make(chan struct{}, 10)}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "test")
	cycle := func(ctx context.Context) *reconcile.Report {
		h.cycles.Add(1)
		rep := reconcile.Failed("plan", "https://jfrog.example.com", io.EOF)
		rep.Errors = nil // a successful, empty cycle
		h.ran <- struct{}{}
		return rep
	}
	var err error
	h.sched, err = reconcile.NewScheduler("@every 1h", false, cycle, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { h.sched.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	srv := &server.Server{Scheduler: h.sched, Registry: reg, TriggerToken: triggerToken, WebhookSecret: webhookSecret, Log: slog.New(slog.DiscardHandler)}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	h.url = ts.URL
	return h
}

func do(t *testing.T, method, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) waitCycle(t *testing.T) {
	t.Helper()
	select {
	case <-h.ran:
	case <-time.After(5 * time.Second):
		t.Fatal("no cycle ran")
	}
}

func TestReadyAndReport(t *testing.T) {
	h := start(t)
	if code, _ := do(t, "GET", h.url+"/healthz", nil, ""); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, _ := do(t, "GET", h.url+"/readyz", nil, ""); code != 503 {
		t.Errorf("readyz before any cycle: %d, want 503", code)
	}
	if code, _ := do(t, "GET", h.url+"/api/v1/report", nil, ""); code != 404 {
		t.Errorf("report before any cycle: %d, want 404", code)
	}
	h.sched.Trigger("test")
	h.waitCycle(t)
	time.Sleep(50 * time.Millisecond)
	if code, _ := do(t, "GET", h.url+"/readyz", nil, ""); code != 200 {
		t.Errorf("readyz after a success: %d, want 200", code)
	}
	if code, body := do(t, "GET", h.url+"/api/v1/report", nil, ""); code != 200 || !strings.Contains(body, `"schema_version": 1`) {
		t.Errorf("report: %d %s", code, body)
	}
	if code, body := do(t, "GET", h.url+"/", nil, ""); code != 200 || !strings.Contains(body, "<td>test</td>") || !strings.Contains(body, "No changes") {
		t.Errorf("status page: %d %s", code, body)
	}
	if code, body := do(t, "GET", h.url+"/metrics", nil, ""); code != 200 || !strings.Contains(body, `jfsync_build_info{goversion=`) {
		t.Errorf("metrics: %d %s", code, body)
	}
}

func TestSyncTrigger(t *testing.T) {
	h := start(t)
	for _, header := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic " + triggerToken}} {
		if code, _ := do(t, "POST", h.url+"/api/v1/sync", header, ""); code != 401 {
			t.Errorf("sync with %v: %d, want 401", header, code)
		}
	}
	if h.cycles.Load() != 0 {
		t.Fatal("a refused trigger ran a cycle")
	}
	if code, _ := do(t, "POST", h.url+"/api/v1/sync", map[string]string{"Authorization": "Bearer " + triggerToken}, ""); code != 202 {
		t.Errorf("sync with the token: %d, want 202", code)
	}
	h.waitCycle(t)
}

func sign(body string) string {
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestWebhook(t *testing.T) {
	body := `{"ref":"refs/heads/main"}`
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no signature", nil, 401},
		{"github", map[string]string{"X-Hub-Signature-256": "sha256=" + sign(body)}, 202},
		{"github, bad", map[string]string{"X-Hub-Signature-256": "sha256=" + sign(body+" ")}, 401},
		{"github, no prefix", map[string]string{"X-Hub-Signature-256": sign(body)}, 401},
		{"gitea", map[string]string{"X-Gitea-Signature": sign(body)}, 202},
		{"gitea, bad", map[string]string{"X-Gitea-Signature": "00" + sign(body)[2:]}, 401},
		{"gitlab", map[string]string{"X-Gitlab-Token": webhookSecret}, 202},
		{"gitlab, bad", map[string]string{"X-Gitlab-Token": "guess"}, 401},
	}
	h := start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.cycles.Load()
			code, _ := do(t, "POST", h.url+"/hooks/git", tt.header, body)
			if code != tt.want {
				t.Fatalf("%d, want %d", code, tt.want)
			}
			if tt.want == 202 {
				h.waitCycle(t)
			} else if time.Sleep(50 * time.Millisecond); h.cycles.Load() != before {
				t.Error("a refused webhook ran a cycle")
			}
		})
	}
}
