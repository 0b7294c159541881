package main_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the jfsync binary built once for the tests: exit codes and
// signals are tested on the real program.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jfsync-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "jfsync")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build jfsync: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^jfsync \S+ go1\.\d+`).Match(out) {
		t.Errorf("version printed %q", out)
	}
}

// emulatorProcess starts `jfsync emulator` and returns its URL once it logs
// it, and the lines it printed before.
func emulatorProcess(t *testing.T, args ...string) (*exec.Cmd, string, []string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"emulator", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlPattern := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var seen []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("emulator exited before listening:\n%s", strings.Join(seen, "\n"))
			}
			seen = append(seen, line)
			if m := urlPattern.FindStringSubmatch(line); m != nil {
				go func() { // keep draining so the process never blocks on stderr
					for line := range lines {
						seen = append(seen, line)
					}
				}()
				return cmd, m[1], seen[:len(seen):len(seen)]
			}
		case <-timeout:
			t.Fatalf("emulator did not log its address:\n%s", strings.Join(seen, "\n"))
		}
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEmulatorServesUntilSIGTERM(t *testing.T) {
	cmd, url, _ := emulatorProcess(t, "--token", "secret")
	if status, body := get(t, url+"/access/api/v1/system/ping", "secret"); status != 200 || body != "OK" {
		t.Errorf("ping: %d %q, want 200 OK", status, body)
	}
	if status, _ := get(t, url+"/access/api/v1/system/ping", ""); status != 401 {
		t.Errorf("ping without credentials: %d, want 401", status)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("emulator did not stop within 15s of SIGTERM")
	}
}

func TestEmulatorGeneratesAndPrintsTokenOnce(t *testing.T) {
	_, url, lines := emulatorProcess(t)
	pattern := regexp.MustCompile(`generated admin token: (\S+)`)
	var tokens []string
	for _, l := range lines {
		if m := pattern.FindStringSubmatch(l); m != nil {
			tokens = append(tokens, m[1])
		}
	}
	if len(tokens) != 1 || len(tokens[0]) < 32 {
		t.Fatalf("generated token lines %q, want one token of 32+ characters", tokens)
	}
	if status, _ := get(t, url+"/access/api/v2/users", tokens[0]); status != 200 {
		t.Errorf("list users with the printed token: %d, want 200", status)
	}
	if n := strings.Count(strings.Join(lines, "\n"), tokens[0]); n != 1 {
		t.Errorf("the token appears %d times in the output, want once", n)
	}
}

func TestEmulatorSeedsState(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "live.yaml")
	os.WriteFile(state, []byte("groups:\n  - name: developers\n    members: [alice]\nusers:\n  - username: alice\n    email: alice@example.com\n"), 0o600)
	_, url, _ := emulatorProcess(t, "--token", "t", "--state", state)
	status, body := get(t, url+"/access/api/v2/groups/developers", "t")
	if status != 200 || !strings.Contains(body, `"members":["alice"]`) {
		t.Errorf("seeded group: %d %s", status, body)
	}
}

func TestEmulatorBadStateExitsOne(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "live.yaml")
	os.WriteFile(state, []byte("groups:\n  - name: developers\n    membres: [alice]\n"), 0o600)
	var stderr bytes.Buffer
	cmd := exec.Command(binary, "emulator", "--listen", "127.0.0.1:0", "--token", "t", "--state", state)
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want code 1", err)
	}
	if msg := stderr.String(); !strings.Contains(msg, "live.yaml") || !strings.Contains(msg, "line 3") || !strings.Contains(msg, "membres") {
		t.Errorf("stderr %q: want the file, the line and the bad key", msg)
	}
}

func TestUnknownFlagExitsOne(t *testing.T) {
	err := exec.Command(binary, "emulator", "--no-such-flag").Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want code 1", err)
	}
}

// project writes files below a temporary directory and returns it.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// jfsync runs the binary and returns stdout, stderr and the exit code.
func jfsync(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	}
	t.Fatal(err)
	return "", "", -1
}

const validateConfig = `version: 1
jfrog:
  url: https://acme.jfrog.io
  token_env: JFROG_ACCESS_TOKEN
sources:
  - name: policy
    file: {path: desired}
  - name: extra
    file: {path: extra.yaml}
policy:
  manage:
    groups: ["team-*"]
`

func TestValidate(t *testing.T) {
	dir := project(t, map[string]string{
		"jfsync.yaml":        validateConfig,
		"desired/users.yaml": "users:\n  - username: alice\n    email: alice@example.com\n",
		"desired/teams.yaml": "groups:\n  - name: team-web\n    members: [alice]\n",
		"extra.yaml":         "groups:\n  - name: team-web\n    members: [bob]\nusers:\n  - username: bob\n",
	})
	stdout, stderr, code := jfsync(t, "validate", "-c", filepath.Join(dir, "jfsync.yaml"))
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		"policy  file  users 1  groups 1  permissions 0  projects 0",
		"extra   file  users 1  groups 1  permissions 0  projects 0",
		"merged        users 2  groups 1  permissions 0  projects 0",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout:\n%s\nwant a line with %q", stdout, want)
		}
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	dir := project(t, map[string]string{
		"jfsync.yaml":        validateConfig,
		"desired/users.yaml": "users:\n  - username: alice\n    email: not-an-email\n    status: gone\n",
		"desired/teams.yaml": "groups:\n  - name: ops\n",
		"extra.yaml":         "groups:\n  - name: team web\n",
	})
	t.Chdir(dir)
	_, stderr, code := jfsync(t, "validate") // -c defaults to ./jfsync.yaml
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stderr)
	}
	want := `policy: desired/teams.yaml:2:5: group "ops" is outside policy.manage.groups: add a pattern that matches it, or remove it
policy: desired/users.yaml:3:5: user "alice": email "not-an-email" is not a valid address (want name@example.com)
policy: desired/users.yaml:4:5: user "alice": status "gone" must be enabled or disabled
extra: extra.yaml:2:5: group "team web" is outside policy.manage.groups: add a pattern that matches it, or remove it
extra: extra.yaml:2:11: group "team web": name may contain only letters, digits, '.', '_' and '-'
jfsync: 5 problems found
`
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}
