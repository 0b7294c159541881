package git_test

import (
	"crypto/ed25519"
	"encoding/pem"
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

	"golang.org/x/crypto/ssh"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/sources/git"
)

// gitTool returns the path of git, or fails (skips under -short) with how
// to install it.
func gitTool(t *testing.T) string {
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

// upstream is a bare repository the tests push to, with a work tree.
type upstream struct {
	t     *testing.T
	root  string // served by the git servers
	work  string
	bare  string
	gitCL string
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{t: t, root: t.TempDir(), gitCL: gitTool(t)}
	u.work = filepath.Join(t.TempDir(), "work")
	u.bare = filepath.Join(u.root, "access.git")
	u.git("", "init", "-q", "-b", "main", u.work)
	u.commit("access/users.yaml", "users:\n  - username: alice\n    email: alice@example.com\n")
	u.git("", "clone", "-q", "--bare", u.work, u.bare)
	u.git(u.work, "remote", "add", "origin", u.bare)
	return u
}

func (u *upstream) git(dir string, args ...string) string {
	u.t.Helper()
	cmd := exec.Command(u.gitCL, append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		u.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes a file in the work tree and commits it; it returns the SHA.
func (u *upstream) commit(name, content string) string {
	u.t.Helper()
	p := filepath.Join(u.work, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.git(u.work, "add", "-A")
	u.git(u.work, "commit", "-q", "-m", "change "+name)
	return u.git(u.work, "rev-parse", "HEAD")
}

func (u *upstream) push(refs ...string) {
	u.t.Helper()
	u.git(u.work, append([]string{"push", "-q", "--force", "origin"}, refs...)...)
}

// serveHTTP serves the repositories with smart HTTP through git
// http-backend; with a token, basic auth with that password is required.
func (u *upstream) serveHTTP(token string) *httptest.Server {
	u.t.Helper()
	backend := &cgi.Handler{
		Path: filepath.Join(u.git("", "--exec-path"), "git-http-backend"),
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

// serveDaemon runs git daemon on 127.0.0.1 and returns its base URL. The
// daemon binary is started directly so that stopping it stops it all.
func (u *upstream) serveDaemon() (string, func()) {
	u.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		u.t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	daemon := exec.Command(filepath.Join(u.git("", "--exec-path"), "git-daemon"),
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

func newSource(t *testing.T, cfg git.Config) *git.Source {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = t.TempDir()
	}
	s, err := git.New("policy", cfg, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCloneThenFetchNewCommit(t *testing.T) {
	up := newUpstream(t)
	t.Setenv("TEST_GIT_TOKEN", "tok-5e3cret")
	srv := up.serveHTTP("tok-5e3cret")
	cache := t.TempDir()
	src := newSource(t, git.Config{URL: srv.URL + "/access.git", Path: "access", TokenEnv: "TEST_GIT_TOKEN", CacheDir: cache})

	state, meta, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first := up.git(up.work, "rev-parse", "HEAD")
	if meta.Revision != first || meta.Kind != "git" || meta.Objects.Users != 1 || state.Users["alice"] == nil {
		t.Fatalf("first load: %+v", meta)
	}
	marker := markCache(t, cache)

	second := up.commit("access/groups.yaml", "groups:\n  - name: devs\n    members: [alice]\n")
	up.push("main")
	state, meta, err = src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if meta.Revision != second || meta.Objects.Groups != 1 || state.Groups["devs"] == nil {
		t.Fatalf("second load: %+v, want revision %s with the new group", meta, second)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the cache was cloned again instead of fetched: %v", err)
	}
}

// markCache drops a file into the cached repository, to tell a fetch from
// a new clone.
func markCache(t *testing.T, cache string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(cache, "*", "objects"))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("cache layout: %v %v", dirs, err)
	}
	marker := filepath.Join(filepath.Dir(dirs[0]), "marker")
	os.WriteFile(marker, nil, 0o600)
	return marker
}

func TestRefs(t *testing.T) {
	up := newUpstream(t)
	v1 := up.git(up.work, "rev-parse", "HEAD")
	up.git(up.work, "tag", "-a", "v1", "-m", "release 1")
	up.git(up.work, "tag", "light", v1)
	v2 := up.commit("access/users.yaml", "users:\n  - username: alice\n  - username: bob\n")
	up.git(up.work, "checkout", "-q", "-b", "staging")
	staging := up.commit("access/extra.yaml", "groups:\n  - name: qa\n")
	up.push("main", "staging", "--tags")
	base, _ := up.serveDaemon()
	url := base + "/access.git"

	tests := []struct {
		ref, want string
		users     int
	}{
		{"main", v2, 2},
		{"refs/heads/main", v2, 2},
		{"staging", staging, 2},
		{"v1", v1, 1},
		{"refs/tags/v1", v1, 1},
		{"light", v1, 1},
		{v1, v1, 1},
	}
	cache := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			_, meta, err := newSource(t, git.Config{URL: url, Ref: tt.ref, CacheDir: cache}).Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if meta.Revision != tt.want || meta.Objects.Users != tt.users {
				t.Errorf("revision %s with %d users, want %s with %d", meta.Revision, meta.Objects.Users, tt.want, tt.users)
			}
		})
	}
}

func TestBadRefAndPath(t *testing.T) {
	up := newUpstream(t)
	base, _ := up.serveDaemon()
	tests := []struct {
		cfg  git.Config
		want string
	}{
		{git.Config{Ref: "nope"}, `ref "nope" is neither a branch, a tag nor a full commit SHA of ` + base + "/access.git"},
		{git.Config{Ref: strings.Repeat("ab", 20)}, "ref " + strings.Repeat("ab", 20) + ": no such commit on any branch or tag"},
		{git.Config{Path: "missing"}, `path "missing": not found at commit`},
	}
	for _, tt := range tests {
		tt.cfg.URL = base + "/access.git"
		_, _, err := newSource(t, tt.cfg).Load(t.Context())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestFailedFetchNeverUsesTheCache(t *testing.T) {
	up := newUpstream(t)
	base, stop := up.serveDaemon()
	src := newSource(t, git.Config{URL: base + "/access.git"})
	if _, _, err := src.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	stop()
	_, _, err := src.Load(t.Context())
	if err == nil || !strings.Contains(err.Error(), "fetch "+base+"/access.git") {
		t.Fatalf("load with the server gone: %v, want a fetch error", err)
	}
}

func TestDeletedBranchIsNotUsedStale(t *testing.T) {
	up := newUpstream(t)
	up.git(up.work, "branch", "feature")
	up.push("feature")
	base, _ := up.serveDaemon()
	src := newSource(t, git.Config{URL: base + "/access.git", Ref: "feature"})
	if _, _, err := src.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	up.git(up.work, "push", "-q", "origin", "--delete", "feature")
	if _, _, err := src.Load(t.Context()); err == nil || !strings.Contains(err.Error(), `ref "feature" is neither`) {
		t.Fatalf("load of a deleted branch: %v, want a ref error", err)
	}
}

func TestUnreachableServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, _, err := newSource(t, git.Config{URL: "http://" + addr + "/access.git", Timeout: 10 * time.Second}).Load(t.Context())
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want connection refused", err)
	}
}

func TestWrongTokenIsNotInTheError(t *testing.T) {
	up := newUpstream(t)
	srv := up.serveHTTP("right-token")
	t.Setenv("TEST_GIT_TOKEN", "wrong-t0ken-value")
	_, _, err := newSource(t, git.Config{URL: srv.URL + "/access.git", TokenEnv: "TEST_GIT_TOKEN"}).Load(t.Context())
	if err == nil || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("error %v, want an authentication error", err)
	}
	if strings.Contains(err.Error(), "wrong-t0ken-value") {
		t.Errorf("error %q holds the token", err)
	}
}

func TestCorruptCacheIsClonedAgain(t *testing.T) {
	up := newUpstream(t)
	base, _ := up.serveDaemon()
	for name, corrupt := range map[string]func(repo string){
		"objects gone": func(repo string) {
			os.RemoveAll(filepath.Join(repo, "objects"))
			os.MkdirAll(filepath.Join(repo, "objects"), 0o700)
		},
		"config garbage": func(repo string) { os.WriteFile(filepath.Join(repo, "config"), []byte("[[[ not git"), 0o600) },
		"not a repository": func(repo string) {
			os.RemoveAll(repo)
			os.MkdirAll(repo, 0o700)
		},
	} {
		t.Run(name, func(t *testing.T) {
			cache := t.TempDir()
			src := newSource(t, git.Config{URL: base + "/access.git", CacheDir: cache})
			if _, _, err := src.Load(t.Context()); err != nil {
				t.Fatal(err)
			}
			corrupt(filepath.Dir(markCache(t, cache)))
			_, meta, err := src.Load(t.Context())
			if err != nil || meta.Objects.Users != 1 {
				t.Fatalf("load after corruption: %+v %v", meta, err)
			}
		})
	}
}

func TestDecodeErrorsNameTheRepositoryPath(t *testing.T) {
	up := newUpstream(t)
	up.commit("access/groups.yaml", "groups:\n  - name: dev ops\n")
	up.push("main")
	base, _ := up.serveDaemon()
	state, _, err := newSource(t, git.Config{URL: base + "/access.git", Path: "access/"}).Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	err = desired.Validate(state)
	want := `policy: access/groups.yaml:2:11: group "dev ops": name may contain only letters, digits, '.', '_' and '-'`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestSingleFilePath(t *testing.T) {
	up := newUpstream(t)
	up.commit("access/groups.yaml", "groups:\n  - name: devs\n")
	up.push("main")
	base, _ := up.serveDaemon()
	_, meta, err := newSource(t, git.Config{URL: base + "/access.git", Path: "access/groups.yaml"}).Load(t.Context())
	if err != nil || meta.Objects != (desired.Counts{Groups: 1}) {
		t.Fatalf("%+v %v, want only the file's group", meta.Objects, err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Setenv("EMPTY_TOKEN", "")
	tests := []struct {
		cfg  git.Config
		want string
	}{
		{git.Config{}, "git.url is required"},
		{git.Config{URL: "https://user:pw@git.example.com/a.git"}, "credentials in the URL are not allowed"},
		{git.Config{URL: "https://git.example.com/a.git", TokenEnv: "NO_SUCH_VARIABLE_X"}, "git.token_env: environment variable NO_SUCH_VARIABLE_X is not set"},
		{git.Config{URL: "https://git.example.com/a.git", TokenEnv: "EMPTY_TOKEN"}, "environment variable EMPTY_TOKEN is empty"},
		{git.Config{URL: "https://git.example.com/a.git", TokenFile: "/no/such/file"}, "git.token_file: cannot read /no/such/file"},
		{git.Config{URL: "ssh://git@git.example.com/a.git"}, "git.ssh_key_file is required"},
		{git.Config{URL: "git://git.example.com/a.git", TokenEnv: "X"}, "git:// URLs take no credentials"},
		{git.Config{URL: "ftp://git.example.com/a.git"}, `protocol "ftp" is not supported`},
	}
	for _, tt := range tests {
		_, err := git.New("policy", tt.cfg, t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.cfg, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q holds the URL password", err)
		}
	}
}

func TestOneProcessPerCache(t *testing.T) {
	up := newUpstream(t)
	base, _ := up.serveDaemon()
	cache := t.TempDir()
	src := newSource(t, git.Config{URL: base + "/access.git", CacheDir: cache})
	if _, _, err := src.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	locks, _ := filepath.Glob(filepath.Join(cache, "*.lock"))
	if len(locks) != 1 {
		t.Fatalf("lock files %v", locks)
	}
	// Another process holds the lock: flock(1) from util-linux.
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Fatal("flock(1) is missing: apt-get install util-linux")
	}
	holder := exec.Command(flock, "--exclusive", locks[0], "sleep", "30")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, _, err = src.Load(t.Context())
		if err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "in use by another jfsync process") {
		t.Fatalf("load while another process holds the cache: %v", err)
	}
}

func TestSSHNeedsKnownHosts(t *testing.T) {
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "id_ed25519")
	os.WriteFile(key, pem.EncodeToMemory(block), 0o600)

	_, err = git.New("policy", git.Config{URL: "ssh://git@git.example.com/a.git", SSHKeyFile: key, KnownHostsFile: filepath.Join(dir, "known_hosts")}, dir, nil)
	if err == nil || !strings.Contains(err.Error(), "git.known_hosts_file") || !strings.Contains(err.Error(), "host keys are always checked") {
		t.Fatalf("missing known_hosts: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "known_hosts"), nil, 0o600)
	if _, err := git.New("policy", git.Config{URL: "ssh://git@git.example.com/a.git", SSHKeyFile: "id_ed25519", KnownHostsFile: "known_hosts"}, dir, nil); err != nil {
		t.Fatalf("key and known_hosts relative to the config: %v", err)
	}
	if _, err := git.New("policy", git.Config{URL: "ssh://git@git.example.com/a.git", SSHKeyFile: filepath.Join(dir, "known_hosts"), KnownHostsFile: "known_hosts"}, dir, nil); err == nil || !strings.Contains(err.Error(), "git.ssh_key_file") {
		t.Fatalf("a file that is not a key: %v", err)
	}
}
