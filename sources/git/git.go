// Package git is the source of desired state read from a git repository:
// the desired-state files below a path, at a branch, tag or commit.
//
// The repository is kept in a bare cache: the first load clones it, later
// loads fetch (pruning deleted branches) and read the files of the ref's
// commit straight from the object store, so no working tree can go stale
// or be edited by hand. A fetch that fails fails the load: a stale commit
// is never used. A cache that cannot be read is removed and cloned again.
// One process at a time may use a cache directory.
package git

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/internal/secret"
	"github.com/jfsync/jfsync/sources"
	"github.com/jfsync/jfsync/sources/file"
)

// Config is the `git:` section of a source.
type Config struct {
	URL  string `yaml:"url"`  // https://, http://, ssh://, git:// or file://
	Ref  string `yaml:"ref"`  // branch, tag or full commit SHA (default main)
	Path string `yaml:"path"` // directory or file inside the repository (default: the root)
	// Username goes with the token for HTTPS (default "git").
	Username  string `yaml:"username"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	// SSHKeyFile is the private key for ssh:// URLs; host keys are checked
	// against KnownHostsFile (default ~/.ssh/known_hosts).
	SSHKeyFile     string        `yaml:"ssh_key_file"`
	KnownHostsFile string        `yaml:"known_hosts_file"`
	CacheDir       string        `yaml:"cache_dir"` // default: jfsync/git below the user cache dir
	Timeout        time.Duration `yaml:"timeout"`   // per clone or fetch (default 2m)
}

const (
	defaultRef     = "main"
	defaultTimeout = 2 * time.Minute
	remoteName     = "origin"
)

// Source reads desired state from a git repository.
type Source struct {
	name  string
	cfg   Config
	auth  transport.AuthMethod
	token string // to scrub from errors
	log   *slog.Logger
}

// New returns the git source called name. baseDir is the directory of the
// config file, against which relative key and cache paths resolve.
func New(name string, cfg Config, baseDir string, log *slog.Logger) (*Source, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("source %q: git.url is required", name)
	}
	if cfg.Ref == "" {
		cfg.Ref = defaultRef
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	cfg.Path = strings.Trim(filepath.ToSlash(cfg.Path), "/")
	if cfg.Path == "." {
		cfg.Path = ""
	}
	if cfg.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("source %q: git.cache_dir is not set and there is no user cache directory: %w", name, err)
		}
		cfg.CacheDir = filepath.Join(dir, "jfsync", "git")
	}
	for _, p := range []*string{&cfg.CacheDir, &cfg.SSHKeyFile, &cfg.KnownHostsFile, &cfg.TokenFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{name: name, cfg: cfg, log: log.With("source", name)}
	if err := s.setAuth(); err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	return s, nil
}

// Name returns the source's name.
func (s *Source) Name() string { return s.name }

// Load fetches the repository and reads the desired state at the ref.
func (s *Source) Load(ctx context.Context) (*desired.State, sources.Meta, error) {
	meta := sources.Meta{Name: s.name, Kind: "git"}
	commit, err := s.sync(ctx)
	if err != nil {
		return nil, meta, s.scrub(err)
	}
	meta.Revision = commit.Hash.String()
	files, err := s.read(ctx, commit)
	if err != nil {
		return nil, meta, err
	}
	s.log.Debug("git source read", "commit", meta.Revision, "files", len(files))
	return file.Decode(files, meta)
}

// sync brings the cache up to date and returns the ref's commit.
func (s *Source) sync(ctx context.Context) (*object.Commit, error) {
	dir := s.repoDir()
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, fmt.Errorf("git cache: %w", err)
	}
	unlock, err := lock(dir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	repo, err := s.open(dir)
	if err != nil {
		s.log.Warn("git cache unreadable, cloning again", "dir", dir, "error", err)
		if repo, err = s.reclone(dir); err != nil {
			return nil, err
		}
	}
	if err := s.fetch(ctx, repo); err != nil {
		return nil, err
	}
	commit, err := s.resolve(repo)
	if errors.Is(err, errCorrupt) {
		s.log.Warn("git cache corrupt, cloning again", "dir", dir, "error", err)
		if repo, err = s.reclone(dir); err != nil {
			return nil, err
		}
		if err := s.fetch(ctx, repo); err != nil {
			return nil, err
		}
		commit, err = s.resolve(repo)
	}
	return commit, err
}

// repoDir is the cache directory of this source's URL.
func (s *Source) repoDir() string {
	sum := sha256.Sum256([]byte(s.cfg.URL))
	return filepath.Join(s.cfg.CacheDir, hex.EncodeToString(sum[:8]))
}

// errCorrupt marks a cache whose objects cannot be read.
var errCorrupt = errors.New("git cache is corrupt")

// open opens the cache, or makes an empty one on the first run. A cache
// that does not open, has another URL, or whose refs point at unreadable
// objects is an error: the caller clones again.
func (s *Source) open(dir string) (*gogit.Repository, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return s.initRepo(dir)
	}
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		return nil, err
	}
	remote, err := repo.Remote(remoteName)
	if err != nil {
		return nil, err
	}
	if urls := remote.Config().URLs; len(urls) != 1 || urls[0] != s.cfg.URL {
		return nil, fmt.Errorf("cache has remote %v, want %s", urls, s.cfg.URL)
	}
	return repo, checkRefs(repo)
}

// checkRefs reads the commit every ref points at.
func checkRefs(repo *gogit.Repository) error {
	refs, err := repo.References()
	if err != nil {
		return err
	}
	return refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference {
			return nil
		}
		if _, err := repo.Object(plumbing.AnyObject, ref.Hash()); err != nil {
			return fmt.Errorf("%s: %w", ref.Name(), err)
		}
		return nil
	})
}

func (s *Source) initRepo(dir string) (*gogit.Repository, error) {
	repo, err := gogit.PlainInit(dir, true)
	if err != nil {
		return nil, fmt.Errorf("git cache: %w", err)
	}
	_, err = repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{s.cfg.URL}})
	if err != nil {
		return nil, fmt.Errorf("git cache: %w", err)
	}
	return repo, nil
}

func (s *Source) reclone(dir string) (*gogit.Repository, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("git cache: remove %s: %w", dir, err)
	}
	return s.initRepo(dir)
}

// fetch brings every branch and tag of the remote into the cache, pruning
// the ones the remote no longer has.
func (s *Source) fetch(ctx context.Context, repo *gogit.Repository) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	err := repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName: remoteName,
		RefSpecs: []config.RefSpec{
			"+refs/heads/*:refs/remotes/origin/*",
			"+refs/tags/*:refs/tags/*",
		},
		Auth:  s.auth,
		Force: true,
		Prune: true,
		Tags:  gogit.NoTags, // the refspec above fetches them all
	})
	if errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		err = nil
	}
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return fmt.Errorf("fetch %s: the repository is empty", s.cfg.URL)
	}
	if err != nil {
		return fmt.Errorf("fetch %s: %w", s.cfg.URL, err)
	}
	s.log.Debug("git fetch", "url", s.cfg.URL, "duration", time.Since(start))
	return nil
}

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// resolve finds the ref's commit: a full SHA, a branch or a tag.
func (s *Source) resolve(repo *gogit.Repository) (*object.Commit, error) {
	ref := s.cfg.Ref
	if fullSHA.MatchString(ref) {
		c, err := repo.CommitObject(plumbing.NewHash(ref))
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, fmt.Errorf("ref %s: no such commit on any branch or tag of %s", ref, s.cfg.URL)
		}
		return c, corrupt(err)
	}
	for _, name := range []plumbing.ReferenceName{
		plumbing.NewRemoteReferenceName(remoteName, strings.TrimPrefix(ref, "refs/heads/")),
		plumbing.NewTagReferenceName(strings.TrimPrefix(ref, "refs/tags/")),
	} {
		r, err := repo.Reference(name, true)
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			continue
		}
		if err != nil {
			return nil, corrupt(err)
		}
		return peel(repo, r.Hash())
	}
	return nil, fmt.Errorf("ref %q is neither a branch, a tag nor a full commit SHA of %s", ref, s.cfg.URL)
}

// peel returns the commit a hash names, through annotated tags.
func peel(repo *gogit.Repository, h plumbing.Hash) (*object.Commit, error) {
	for range 10 {
		obj, err := repo.Object(plumbing.AnyObject, h)
		if err != nil {
			return nil, corrupt(err)
		}
		switch o := obj.(type) {
		case *object.Commit:
			return o, nil
		case *object.Tag:
			h = o.Target
		default:
			return nil, fmt.Errorf("ref points at a %s, not a commit", obj.Type())
		}
	}
	return nil, errors.New("ref: too many nested tags")
}

func corrupt(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %v", errCorrupt, err)
}

// read returns the desired-state files below the configured path at the
// commit, sorted by name, named by their path in the repository.
func (s *Source) read(ctx context.Context, commit *object.Commit) ([]desired.File, error) {
	tree, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", commit.Hash, err)
	}
	if s.cfg.Path != "" {
		if f, err := tree.File(s.cfg.Path); err == nil {
			data, err := f.Contents()
			return []desired.File{{Name: s.cfg.Path, Data: []byte(data)}}, err
		}
		if tree, err = tree.Tree(s.cfg.Path); err != nil {
			return nil, fmt.Errorf("path %q: not found at commit %s of %s", s.cfg.Path, commit.Hash, s.cfg.URL)
		}
	}
	var files []desired.File
	err = tree.Files().ForEach(func(f *object.File) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !file.IsDesired(f.Name) || !f.Mode.IsFile() || hidden(f.Name) {
			return nil
		}
		r, err := f.Reader()
		if err != nil {
			return err
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		files = append(files, desired.File{Name: joinPath(s.cfg.Path, f.Name), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit.Hash, err)
	}
	file.SortFiles(files)
	return files, nil
}

// hidden reports whether a path is inside a directory whose name starts
// with a dot, which the file source skips too.
func hidden(p string) bool {
	dirs := strings.Split(p, "/")
	for _, d := range dirs[:len(dirs)-1] {
		if strings.HasPrefix(d, ".") {
			return true
		}
	}
	return false
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// scrub removes the token from an error message.
func (s *Source) scrub(err error) error {
	if s.token == "" || !strings.Contains(err.Error(), s.token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), s.token, "[REDACTED]"))
}

// tokenRef is where the HTTPS token is.
func (s *Source) tokenRef() secret.Ref {
	return secret.Ref{Key: "git.token", Env: s.cfg.TokenEnv, File: s.cfg.TokenFile}
}
