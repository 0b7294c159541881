// Package file is the source of desired state read from a local directory
// (every *.yaml and *.yml file below it, in sorted order) or one file.
package file

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/sources"
)

// Config is the `file:` section of a source.
type Config struct {
	// Path is a directory or a file; relative paths are relative to the
	// config file.
	Path string `yaml:"path"`
}

// Source reads desired-state YAML from the local file system.
type Source struct {
	name string
	path string // as configured, for messages
	abs  string // resolved against the config's directory
}

// New returns the file source called name. baseDir is the directory of
// the config file.
func New(name string, cfg Config, baseDir string) (*Source, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("source %q: file.path is required", name)
	}
	abs := cfg.Path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(baseDir, abs)
	}
	return &Source{name: name, path: cfg.Path, abs: abs}, nil
}

// Name returns the source's name.
func (s *Source) Name() string { return s.name }

// Load reads and decodes the files.
func (s *Source) Load(ctx context.Context) (*desired.State, sources.Meta, error) {
	meta := sources.Meta{Name: s.name, Kind: "file"}
	info, err := os.Stat(s.abs)
	if err != nil {
		return nil, meta, fmt.Errorf("file.path %s: %w", s.path, err)
	}
	var files []desired.File
	if info.IsDir() {
		files, err = Collect(ctx, os.DirFS(s.abs), ".", filepath.ToSlash(s.path))
	} else {
		var data []byte
		data, err = os.ReadFile(s.abs)
		files = []desired.File{{Name: s.path, Data: data}}
	}
	if err != nil {
		return nil, meta, err
	}
	return Decode(files, meta)
}

// Decode decodes the desired-state files of the source meta describes and
// counts its objects: the last step of every source that reads files.
func Decode(files []desired.File, meta sources.Meta) (*desired.State, sources.Meta, error) {
	state, err := desired.Decode(meta.Name, files)
	if err != nil {
		return nil, meta, err
	}
	meta.Objects = state.Counts()
	return state, meta, nil
}

// IsDesired reports whether a file name is a desired-state file.
func IsDesired(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// Collect reads every desired-state file below dir in fsys, sorted by
// name. Names in messages are shown
// below display. Hidden directories (.git) are skipped.
func Collect(ctx context.Context, fsys fs.FS, dir, display string) ([]desired.File, error) {
	var files []desired.File
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !IsDesired(p) || !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, desired.File{Name: path.Join(display, strings.TrimPrefix(p, dir+"/")), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", display, err)
	}
	SortFiles(files)
	return files, nil
}

// SortFiles sorts files by name: the order in which a source reads them.
func SortFiles(files []desired.File) {
	slices.SortFunc(files, func(a, b desired.File) int { return strings.Compare(a.Name, b.Name) })
}
