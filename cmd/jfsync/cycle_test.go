package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jfsync/jfsync/internal/emutest"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const testToken = "cycle-test-token"

// liveTarget serves an emulator seeded with live (state YAML) for the
// binary to talk to.
func liveTarget(t *testing.T, live string) (*emulator.Server, string) {
	return emutest.Start(t, testToken, live)
}

// configFor writes a config for the target URL with the desired state and
// extra config text, and returns its path.
func configFor(t *testing.T, url, desired, extra string) string {
	t.Helper()
	dir := project(t, map[string]string{
		"desired/state.yaml": desired,
		"jfsync.yaml": "version: 1\njfrog:\n  url: " + url + "\n  token_env: JFSYNC_TEST_TOKEN\n  retries: 8\n" +
			"sources:\n  - name: policy\n    file: {path: desired}\n" + extra,
	})
	return filepath.Join(dir, "jfsync.yaml")
}

// run runs the binary with the test token in its environment.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("JFSYNC_TEST_TOKEN", testToken)
	return jfsync(t, args...)
}

const cycleLive = `users:
  - username: alice
    email: alice@example.com
  - username: mallory
    email: mallory@example.com
groups:
  - name: developers
    members: [alice, mallory]
projects:
  - project_key: web
    display_name: Web
    members: {users: {alice: [Viewer]}}
`

const cycleDesired = `users:
  - username: alice
    email: alice@example.com
  - username: carol
    email: carol@example.com
    groups: [developers]
  - username: dave
    email: dave@example.com
    status: disabled
groups:
  - name: developers
    description: All developers
    members: [alice]
  - name: qa
    members: [carol, dave]
permissions:
  - name: dev-repos
    resources:
      repository:
        libs: {include_patterns: ["**"], actions: {groups: {developers: [read, write]}, users: {carol: [read]}}}
projects:
  - project_key: web
    display_name: Web Team
    members: {users: {alice: [Developer]}, groups: {qa: [Viewer]}}
  - project_key: api
    display_name: API
    members: {users: {carol: [Project Admin]}}
`

const cyclePolicy = "policy:\n  prune: {users: disable, project_members: true}\n"

func planJSON(t *testing.T, config string) (reconcile.Report, int) {
	t.Helper()
	stdout, stderr, code := run(t, "plan", "-c", config, "-o", "json", "--detailed-exitcode")
	var rep reconcile.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("plan -o json: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	return rep, code
}

func TestConvergenceWithMinimalCalls(t *testing.T) {
	emu, url := liveTarget(t, cycleLive)
	config := configFor(t, url, cycleDesired, cyclePolicy)

	rep, code := planJSON(t, config)
	if code != 2 {
		t.Fatalf("plan --detailed-exitcode: exit %d, want 2", code)
	}
	if rep.SchemaVersion != 1 || rep.Summary.APICalls == 0 || emu.Calls().Writes() != 0 {
		t.Fatalf("plan: %+v, %d writes", rep.Summary, emu.Calls().Writes())
	}
	emu.Load(emutest.State(t, cycleLive)) // clears the call log, same state

	_, stderr, code := run(t, "apply", "-c", config)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	calls := emu.Calls()
	if calls.Writes() != rep.Summary.APICalls {
		t.Errorf("apply made %d write calls, the plan said %d:\n%+v", calls.Writes(), rep.Summary.APICalls, calls.Calls)
	}
	// Reads: one list per kind (users fit one page), two per project,
	// and the version.
	wantReads := map[string]int{
		"/api/v2/users": 1, "/api/v2/groups": 1, "/api/v2/permissions": 1, "/api/v1/projects": 1,
		"/api/v1/projects/{projectKey}/users": 1, "/api/v1/projects/{projectKey}/groups": 1, "/api/v1/system/version": 1,
	}
	for route, n := range wantReads {
		if got := calls.Count("GET", route); got != n {
			t.Errorf("GET %s: %d calls, want %d", route, got, n)
		}
	}
	if reads := calls.Total - calls.Writes(); reads != 7 {
		t.Errorf("%d read calls, want 7", reads)
	}

	if _, code := planJSON(t, config); code != 0 {
		t.Errorf("plan after apply: exit %d, want 0 (converged)", code)
	}
}

func TestConvergenceWithFaults(t *testing.T) {
	for name, faults := range map[string]emulator.Faults{
		"a fraction of 503s":          {Status: 503, Rate: 0.3},
		"a burst of 429 with retries": {Status: 429, Count: 4, RetryAfter: 1},
	} {
		t.Run(name, func(t *testing.T) {
			emu, url := liveTarget(t, cycleLive)
			config := configFor(t, url, cycleDesired, cyclePolicy)
			if err := emu.SetFaults(faults); err != nil {
				t.Fatal(err)
			}
			if _, stderr, code := run(t, "apply", "-c", config); code != 0 {
				t.Fatalf("apply with faults: exit %d\n%s", code, stderr)
			}
			emu.SetFaults(emulator.Faults{})
			if rep, code := planJSON(t, config); code != 0 {
				t.Errorf("plan after apply with faults: exit %d, %+v", code, rep.Summary)
			}
			if faults.Status == 503 && emu.Calls().Count("GET", "/api/v2/users") < 1 {
				t.Error("no call reached the emulator")
			}
		})
	}
}

func TestInterruptedApplyConverges(t *testing.T) {
	emu, url := liveTarget(t, cycleLive)
	config := configFor(t, url, cycleDesired, cyclePolicy+"")
	os.WriteFile(config, []byte(strings.Replace(mustRead(t, config), "retries: 8", "retries: 8\n  concurrency: 1", 1)), 0o600)
	emu.SetFaults(emulator.Faults{Latency: emulator.Duration(150 * time.Millisecond)})

	cmd := exec.Command(binary, "apply", "-c", config)
	cmd.Env = append(os.Environ(), "JFSYNC_TEST_TOKEN="+testToken)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Stop it once some writes were made, before all of them.
	for deadline := time.Now().Add(20 * time.Second); emu.Calls().Writes() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("apply made no write in time:\n%s", stderr.String())
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("interrupted apply: %v, want exit 1\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("stderr of the interrupted apply does not say it was cancelled:\n%s", stderr.String())
	}
	emu.SetFaults(emulator.Faults{})
	if rep, code := planJSON(t, config); code != 2 || rep.Summary.APICalls == 0 {
		t.Fatalf("after the interruption: exit %d, %+v; want changes left", code, rep.Summary)
	}
	if _, stderr, code := run(t, "apply", "-c", config); code != 0 {
		t.Fatalf("apply again: exit %d\n%s", code, stderr)
	}
	if _, code := planJSON(t, config); code != 0 {
		t.Errorf("plan after the second apply: exit %d, want 0", code)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGuardsBlock(t *testing.T) {
	tenUsers := "users:\n"
	for _, n := range []string{"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"} {
		tenUsers += "  - username: " + n + "\n    email: " + n + "@example.com\n"
	}
	tests := []struct {
		name, live, desired, extra, guard string
		forceApplies                      bool
	}{
		{"empty source", cycleLive, "# nothing\n", "", reconcile.GuardEmptySource, false},
		{"max_deletes", tenUsers, "users:\n  - username: u0\n", "policy:\n  prune: {users: delete}\n  max_deletes: 5\n  max_delete_percent: 100\n", reconcile.GuardMaxDeletes, true},
		{"max_delete_percent", tenUsers, "users:\n  - username: u0\n  - username: u1\n  - username: u2\n  - username: u3\n  - username: u4\n  - username: u5\n  - username: u6\n",
			"policy:\n  prune: {users: disable}\n  max_deletes: 100\n  max_delete_percent: 20\n", reconcile.GuardMaxDeletePercent, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url := liveTarget(t, tt.live)
			config := configFor(t, url, tt.desired, tt.extra)
			stdout, stderr, code := run(t, "apply", "-c", config, "-o", "json")
			if code != 3 {
				t.Fatalf("apply: exit %d, want 3\n%s", code, stderr)
			}
			if n := emu.Calls().Writes(); n != 0 {
				t.Errorf("%d write calls while blocked, want 0", n)
			}
			var rep reconcile.Report
			json.Unmarshal([]byte(stdout), &rep)
			if len(rep.Blocked) == 0 || rep.Blocked[0].Guard != tt.guard {
				t.Errorf("blocked %+v, want %s", rep.Blocked, tt.guard)
			}
			for _, c := range rep.Changes {
				if c.Result != reconcile.ResultSkipped {
					t.Errorf("change %s %s: result %s, want skipped", c.Kind, c.Name, c.Result)
				}
			}
			_, _, code = run(t, "apply", "-c", config, "--force")
			if tt.forceApplies && (code != 0 || emu.Calls().Writes() == 0) {
				t.Errorf("apply --force: exit %d with %d writes; want it applied", code, emu.Calls().Writes())
			}
			if !tt.forceApplies && code != 3 {
				t.Errorf("apply --force: exit %d; an empty source blocks even then", code)
			}
		})
	}
}

func TestSourceErrorFailsClosed(t *testing.T) {
	emu, url := liveTarget(t, cycleLive)
	config := configFor(t, url, "groups:\n  - name: a b\n", cyclePolicy)
	_, stderr, code := run(t, "apply", "-c", config)
	if code != 1 || emu.Calls().Total != 0 {
		t.Errorf("apply with a bad source: exit %d, %d calls; want 1 and no call at all\n%s", code, emu.Calls().Total, stderr)
	}
}

func TestPlanExitCodes(t *testing.T) {
	_, url := liveTarget(t, cycleLive)
	config := configFor(t, url, cycleDesired, cyclePolicy)
	if _, _, code := run(t, "plan", "-c", config); code != 0 {
		t.Errorf("plan with changes, no --detailed-exitcode: exit %d, want 0", code)
	}
	t.Setenv("JFSYNC_TEST_TOKEN", "wrong")
	if _, stderr, code := jfsync(t, "plan", "-c", config); code != 1 || !strings.Contains(stderr, "401") {
		t.Errorf("plan with a wrong token: exit %d, want 1 with the 401\n%s", code, stderr)
	}
	if _, stderr, _ := jfsync(t, "plan", "-c", config); strings.Contains(stderr, "wrong") {
		t.Errorf("stderr shows the token:\n%s", stderr)
	}
	os.Unsetenv("JFSYNC_TEST_TOKEN")
	if _, stderr, code := jfsync(t, "plan", "-c", config); code != 1 || !strings.Contains(stderr, "jfrog.token_env: environment variable JFSYNC_TEST_TOKEN is not set") {
		t.Errorf("plan without the token: exit %d\n%s", code, stderr)
	}
}

// TestReportsGolden renders the quickstart's plan in each format and
// compares it with testdata/quickstart.*.
func TestReportsGolden(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	stamp := regexp.MustCompile(`"(started_at|duration_seconds)": [^,\n]+`)
	for _, format := range []string{"text", "json", "markdown"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report")
			if _, stderr, code := jfsync(t, "plan", "-c", "examples/quickstart/jfsync.yaml", "-o", format, "--out", out); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			got := stamp.ReplaceAllString(mustRead(t, out), `"$1": "(varies)"`)
			golden := filepath.Join(root, "cmd", "jfsync", "testdata", "quickstart."+format)
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				os.WriteFile(golden, []byte(got), 0o644)
			}
			if want := mustRead(t, golden); got != want {
				t.Errorf("%s report differs from %s (go test -update rewrites it):\n%s", format, golden, got)
			}
			// The README shows the quickstart's text report: it must be
			// the real one.
			if format == "text" && !strings.Contains(mustRead(t, filepath.Join(root, "README.md")), "```\n"+got+"```") {
				t.Error("README.md does not show the quickstart's text report as it is")
			}
		})
	}
}

func TestHTMLReportIsSelfContained(t *testing.T) {
	root, _ := filepath.Abs("../..")
	t.Chdir(root)
	stdout, _, code := jfsync(t, "plan", "-c", "examples/quickstart/jfsync.yaml", "-o", "html")
	if code != 0 || !strings.HasPrefix(stdout, "<!DOCTYPE html>") || !strings.Contains(stdout, "web/user:carol") {
		t.Fatalf("html report: exit %d\n%s", code, stdout)
	}
	if regexp.MustCompile(`(src|href)=`).MatchString(stdout) {
		t.Error("the HTML report links to external assets")
	}
}

func TestSIGTERMDuringACycle(t *testing.T) {
	emu, url := liveTarget(t, cycleLive)
	config := configFor(t, url, cycleDesired, cyclePolicy+"server: {listen: 127.0.0.1:0}\nschedule: '@every 1h'\n")
	os.WriteFile(config, []byte(strings.Replace(mustRead(t, config), "retries: 8", "retries: 8\n  concurrency: 1\n  timeout: 5s", 1)), 0o600)
	emu.SetFaults(emulator.Faults{Latency: emulator.Duration(200 * time.Millisecond)})

	cmd := exec.Command(binary, "run", "-c", config)
	cmd.Env = append(os.Environ(), "JFSYNC_TEST_TOKEN="+testToken)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); emu.Calls().Writes() < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no write call in time:\n%s", stderr.String())
		}
	}
	stopped := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("jfsync run after SIGTERM: %v, want exit 0\n%s", err, stderr.String())
	}
	if d := time.Since(stopped); d > 5*time.Second {
		t.Errorf("stopping took %v, more than the request timeout", d)
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no stop in the log:\n%s", stderr.String())
	}
	emu.SetFaults(emulator.Faults{})
	if _, stderr, code := run(t, "run", "--once", "-c", config); code != 0 {
		t.Fatalf("run --once after the stop: exit %d\n%s", code, stderr)
	}
	if _, code := planJSON(t, config); code != 0 {
		t.Errorf("plan after the next start: exit %d, want 0 (converged)", code)
	}
}
