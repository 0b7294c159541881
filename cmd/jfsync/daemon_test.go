package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/jfsync/jfsync/internal/emutest"
	"github.com/jfsync/jfsync/internal/gittest"
	"github.com/jfsync/jfsync/internal/ldaptest"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

const daemonToken = "daemon-jfrog-t0ken-7f3a"

// syncBuffer is a bytes.Buffer safe for the daemon's log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func emulatorAt(t *testing.T, live string) (*emulator.Server, string) {
	return emutest.Start(t, daemonToken, live)
}

// daemonRun runs `jfsync run` in process until the test ends; it returns
// the base URL of its endpoints and its log.
func daemonRun(t *testing.T, config string) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	os.WriteFile(config, []byte(strings.ReplaceAll(readFile(t, config), "LISTEN", addr)), 0o600)
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- execute(ctx, []string{"run", "-c", config}, io.Discard, &logs) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("jfsync run exited %d after cancel, want 0:\n%s", code, logs.String())
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base, &logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not serve:\n%s", logs.String())
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls cond every 50ms for up to 15s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func scrape(t *testing.T, base string) map[string]*model.Sample {
	t.Helper()
	_, body := get(t, base+"/metrics")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*model.Sample{}
	for name, f := range families {
		if !strings.HasPrefix(name, "jfsync_") {
			continue
		}
		samples, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range samples {
			out[s.Metric.String()] = s
		}
	}
	return out
}

const daemonLive = "users:\n  - username: alice\n    email: alice@example.com\n  - username: mallory\n    email: m@example.com\ngroups:\n  - name: devs\n    members: [mallory]\n"
const daemonDesired = "users:\n  - username: alice\n    email: alice@example.com\n  - username: carol\n    email: carol@example.com\ngroups:\n  - name: devs\n    members: [alice, carol]\n  - name: qa\n    members: [carol]\n"

func daemonConfig(t *testing.T, url string, extra string) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "desired"), 0o755)
	os.WriteFile(filepath.Join(dir, "desired", "state.yaml"), []byte(daemonDesired), 0o644)
	config := filepath.Join(dir, "jfsync.yaml")
	os.WriteFile(config, []byte(`version: 1
jfrog:
  url: `+url+`
  token_env: JFSYNC_DAEMON_TOKEN
sources:
  - name: policy
    file: {path: desired}
schedule: "@every 1s"
run_on_start: false
mode: apply
policy:
  prune: {users: disable}
server:
  listen: LISTEN
  trigger_token_env: JFSYNC_DAEMON_TRIGGER
`+extra), 0o600)
	t.Setenv("JFSYNC_DAEMON_TOKEN", daemonToken)
	t.Setenv("JFSYNC_DAEMON_TRIGGER", "trigger-secret-9d2c")
	return config
}

func TestDaemonConvergesAndReportsMetrics(t *testing.T) {
	emu, url := emulatorAt(t, daemonLive)
	config := daemonConfig(t, url, "")
	// What the first cycle will apply: carol, devs, qa, mallory.
	var planOut bytes.Buffer
	if code := execute(t.Context(), []string{"plan", "-c", config, "-o", "json"}, &planOut, io.Discard); code != 0 {
		t.Fatalf("plan: exit %d", code)
	}
	var plan reconcile.Report
	json.Unmarshal(planOut.Bytes(), &plan)
	changes := plan.Summary.Create + plan.Summary.Update + plan.Summary.Disable + plan.Summary.Delete
	if changes != 4 {
		t.Fatalf("plan has %d changes, want 4: %+v", changes, plan.Summary)
	}
	emu.Load(emutest.State(t, daemonLive)) // forget the plan's calls

	base, logs := daemonRun(t, config)
	if code, _ := get(t, base+"/readyz"); code != 503 {
		t.Errorf("readyz before the first cycle: %d, want 503", code)
	}
	eventually(t, "readyz 200", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	eventually(t, "convergence", func() bool { _, r := get(t, base+"/api/v1/report"); return strings.Contains(r, `"api_calls": 0`) })

	m := scrape(t, base)
	for key, s := range m {
		if strings.HasPrefix(key, "jfsync_drift_objects") && s.Value != 0 {
			t.Errorf("%s = %v after convergence, want 0", key, s.Value)
		}
	}
	applied := 0.0
	for key, s := range m {
		if strings.HasPrefix(key, "jfsync_changes_applied_total") && strings.Contains(key, `result="success"`) {
			applied += float64(s.Value)
		}
	}
	if applied != float64(changes) {
		t.Errorf("jfsync_changes_applied_total counts %v successes, the plan had %d changes", applied, changes)
	}
	// The API request counter equals the emulator's call log, taken
	// between two cycles.
	eventually(t, "api_requests_total equal to the emulator's calls", func() bool {
		before := emu.Calls()
		m := scrape(t, base)
		after := emu.Calls()
		if before.Total != after.Total {
			return false // a cycle ran meanwhile
		}
		for _, cc := range after.Calls {
			key := fmt.Sprintf(`jfsync_api_requests_total{code="%d", method="%s", route="%s"}`, cc.Status, cc.Method, cc.Route)
			if s := m[key]; s == nil || int(s.Value) != cc.Count {
				t.Logf("%s: metrics %v, emulator %d", key, s, cc.Count)
				return false
			}
		}
		total := 0
		for key, s := range m {
			if strings.HasPrefix(key, "jfsync_api_requests_total") {
				total += int(s.Value)
			}
		}
		return total == after.Total
	})
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs.String())
	}
}

func TestDaemonKeepsTheLastGoodConfig(t *testing.T) {
	_, url := emulatorAt(t, daemonLive)
	config := daemonConfig(t, url, "")
	base, logs := daemonRun(t, config)
	eventually(t, "a successful cycle", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	os.WriteFile(config, []byte(readFile(t, config)+"polcy: {}\n"), 0o600)
	eventually(t, "the config error on the status page", func() bool {
		_, page := get(t, base+"/")
		return strings.Contains(page, "does not load; the last good one keeps serving") && strings.Contains(page, `unknown key &#34;polcy&#34;`)
	})
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Errorf("readyz %d with the last good config serving, want 200", code)
	}
	if !strings.Contains(logs.String(), "the config no longer loads") {
		t.Error("the reload failure is not logged")
	}
}

func TestDaemonAppliesAGitPush(t *testing.T) {
	up := gittest.New(t)
	srv := up.ServeHTTP("git-t0ken-31f")
	t.Setenv("JFSYNC_GIT_TOKEN", "git-t0ken-31f")
	emu, url := emulatorAt(t, "")
	config := daemonConfig(t, url, "")
	os.WriteFile(config, []byte(strings.Replace(readFile(t, config), "    file: {path: desired}",
		"    git: {url: "+srv.URL+"/access.git, path: access, token_env: JFSYNC_GIT_TOKEN, cache_dir: "+t.TempDir()+"}", 1)), 0o600)
	base, _ := daemonRun(t, config)
	hasGroup := func(name string) bool {
		for _, g := range emu.State().Groups {
			if g.Name == name {
				return true
			}
		}
		return false
	}
	eventually(t, "a successful cycle", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	up.Commit("access/groups.yaml", "groups:\n  - name: pushed\n    members: [alice]\n")
	up.Push("main")
	eventually(t, "the pushed group in JFrog", func() bool { return hasGroup("pushed") })
}

func TestSecretsAppearNowhere(t *testing.T) {
	const triggerSecret, webhookSecret = "trigger-secret-9d2c", "webhook-secret-5b1e"
	s := ldaptest.Start(t, "dn: uid=alice,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: alice\ncn: A\nsn: A\nmail: alice@example.com\n\n"+
		"dn: cn=jfrog-devs,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: jfrog-devs\nmember: uid=alice,ou=people,dc=example,dc=com\n")
	_, url := emulatorAt(t, daemonLive)
	reports := t.TempDir()
	config := daemonConfig(t, url, `  webhook_secret_env: JFSYNC_DAEMON_WEBHOOK
report: {dir: `+reports+`}
log: {level: debug}
`)
	os.WriteFile(config, []byte(strings.Replace(readFile(t, config), "    file: {path: desired}\n", "    file: {path: desired}\n"+
		"  - name: corp\n    ldap:\n      url: "+s.URL+"\n      bind_dn: "+ldaptest.ReaderDN+"\n      bind_password_env: JFSYNC_DAEMON_LDAP\n"+
		"      users: {base_dn: '"+ldaptest.PeopleDN+"', filter: '(uid=*)'}\n      groups: {base_dn: '"+ldaptest.GroupsDN+"', filter: '(cn=jfrog-*)'}\n", 1)), 0o600)
	t.Setenv("JFSYNC_DAEMON_WEBHOOK", webhookSecret)
	t.Setenv("JFSYNC_DAEMON_LDAP", ldaptest.ReaderPassword)

	base, logs := daemonRun(t, config)
	eventually(t, "a successful cycle", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	// A wrong trigger and a bad webhook, to have them logged too.
	http.Post(base+"/api/v1/sync", "text/plain", nil)
	http.Post(base+"/hooks/git", "application/json", strings.NewReader("{}"))
	req, _ := http.NewRequest("POST", base+"/api/v1/sync", nil)
	req.Header.Set("Authorization", "Bearer "+triggerSecret)
	http.DefaultClient.Do(req)
	eventually(t, "two reports saved", func() bool { e, _ := os.ReadDir(reports); return len(e) >= 2 })

	places := map[string]string{"logs": logs.String()}
	for _, path := range []string{"/metrics", "/", "/api/v1/report"} {
		_, places[path] = get(t, base+path)
	}
	entries, _ := os.ReadDir(reports)
	for _, e := range entries {
		places[e.Name()] = readFile(t, filepath.Join(reports, e.Name()))
	}
	if !strings.Contains(places["logs"], "ldapsearch") {
		t.Fatalf("debug logs are missing: the test would prove little:\n%s", places["logs"])
	}
	for where, text := range places {
		for _, secret := range []string{daemonToken, ldaptest.ReaderPassword, triggerSecret, webhookSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains the secret %q", where, secret)
			}
		}
	}
}
