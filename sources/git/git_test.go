package git_test

import (
	"crypto/ed25519"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/internal/gittest"
	"github.com/jfsync/jfsync/sources/git"
)

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
	up := gittest.New(t)
	t.Setenv("TEST_GIT_TOKEN", "tok-5e3cret")
	srv := up.ServeHTTP("tok-5e3cret")
	cache := t.TempDir()
	src := newSource(t, git.Config{URL: srv.URL + "/access.git", Path: "access", TokenEnv: "TEST_GIT_TOKEN", CacheDir: cache})

	state, meta, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first := up.Git(up.Work, "rev-parse", "HEAD")
	if meta.Revision != first || meta.Kind != "git" || meta.Objects.Users != 1 || state.Users["alice"] == nil {
		t.Fatalf("first load: %+v", meta)
	}
	marker := markCache(t, cache)

	second := up.Commit("access/groups.yaml", "groups:\n  - name: devs\n    members: [alice]\n")
	up.Push("main")
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
	up := gittest.New(t)
	v1 := up.Git(up.Work, "rev-parse", "HEAD")
	up.Git(up.Work, "tag", "-a", "v1", "-m", "release 1")
	up.Git(up.Work, "tag", "light", v1)
	v2 := up.Commit("access/users.yaml", "users:\n  - username: alice\n  - username: bob\n")
	up.Git(up.Work, "checkout", "-q", "-b", "staging")
	staging := up.Commit("access/extra.yaml", "groups:\n  - name: qa\n")
	up.Push("main", "staging", "--tags")
	base, _ := up.ServeDaemon()
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
	up := gittest.New(t)
	base, _ := up.ServeDaemon()
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
	up := gittest.New(t)
	base, stop := up.ServeDaemon()
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
	up := gittest.New(t)
	up.Git(up.Work, "branch", "feature")
	up.Push("feature")
	base, _ := up.ServeDaemon()
	src := newSource(t, git.Config{URL: base + "/access.git", Ref: "feature"})
	if _, _, err := src.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	up.Git(up.Work, "push", "-q", "origin", "--delete", "feature")
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
	up := gittest.New(t)
	srv := up.ServeHTTP("right-token")
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
	up := gittest.New(t)
	base, _ := up.ServeDaemon()
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
	up := gittest.New(t)
	up.Commit("access/groups.yaml", "groups:\n  - name: dev ops\n")
	up.Push("main")
	base, _ := up.ServeDaemon()
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
	up := gittest.New(t)
	up.Commit("access/groups.yaml", "groups:\n  - name: devs\n")
	up.Push("main")
	base, _ := up.ServeDaemon()
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
	up := gittest.New(t)
	base, _ := up.ServeDaemon()
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
