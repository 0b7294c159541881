// Package gittest serves git repositories to tests: a bare upstream with a
// work tree, over git daemon and over smart HTTP (git http-backend through
// net/http/cgi, with basic auth when a token is given).
package gittest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tool returns the path of git, or fails (skips under -short) with how
// to install it.
func Tool(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		if testing.Short() {
			t.Skip("git is not installed")
		}
		t.Fatal("git is not installed: apt-get install git (make test does it)")
	}
	return p
}

// Upstream is a bare repository (access.git) the tests push to, with a
// work tree, first committed with access/users.yaml declaring alice.
type Upstream struct {
	t     testing.TB
	root  string // served by the git servers
	Work  string
	Bare  string
	gitCL string
}

// New makes an upstream repository.
func New(t testing.TB) *Upstream {
	u := &Upstream{t: t, root: t.TempDir(), gitCL: Tool(t)}
	u.Work = filepath.Join(t.TempDir(), "work")
	u.Bare = filepath.Join(u.root, "access.git")
	u.Git("", "init", "-q", "-b", "main", u.Work)
	u.Commit("access/users.yaml", "users:\n  - username: alice\n    email: alice@example.com\n")
	u.Git("", "clone", "-q", "--bare", u.Work, u.Bare)
	u.Git(u.Work, "remote", "add", "origin", u.Bare)
	return u
}

// Git runs git in dir and returns its output.
func (u *Upstream) Git(dir string, args ...string) string {
	u.t.Helper()
	cmd := exec.Command(u.gitCL, append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		u.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Commit writes a file in the work tree and commits it; it returns the SHA.
func (u *Upstream) Commit(name, content string) string {
	u.t.Helper()
	p := filepath.Join(u.Work, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.Git(u.Work, "add", "-A")
	u.Git(u.Work, "commit", "-q", "-m", "change "+name)
	return u.Git(u.Work, "rev-parse", "HEAD")
}

// Push pushes refs to the upstream.
func (u *Upstream) Push(refs ...string) {
	u.t.Helper()
	u.Git(u.Work, append([]string{"push", "-q", "--force", "origin"}, refs...)...)
}

// ServeHTTP serves the repositories with smart HTTP through git
// http-backend; with a token, basic auth with that password is required.
func (u *Upstream) ServeHTTP(token string) *httptest.Server {
	u.t.Helper()
	backend := &cgi.Handler{
		Path: filepath.Join(u.Git("", "--exec-path"), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + u.root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			if _, pass, ok := r.BasicAuth(); !ok || pass != token {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	u.t.Cleanup(srv.Close)
	return srv
}

// ServeDaemon runs git daemon on 127.0.0.1 and returns its base URL. The
// daemon binary is started directly so that stopping it stops it all.
func (u *Upstream) ServeDaemon() (string, func()) {
	u.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		u.t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	daemon := exec.Command(filepath.Join(u.Git("", "--exec-path"), "git-daemon"),
		"--reuseaddr", "--export-all", "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port), "--base-path="+u.root, u.root)
	if err := daemon.Start(); err != nil {
		u.t.Fatal(err)
	}
	stop := func() { daemon.Process.Kill(); daemon.Wait() }
	u.t.Cleanup(stop)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			u.t.Fatal("git daemon did not start")
		}
	}
	return "git://" + addr, stop
}
