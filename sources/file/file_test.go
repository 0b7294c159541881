package file_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/sources/file"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDirectory(t *testing.T) {
	base := t.TempDir()
	write(t, filepath.Join(base, "desired"), map[string]string{
		"users.yaml":           "users:\n  - username: alice\n",
		"teams/web.yml":        "groups:\n  - name: web\n",
		"teams/README.md":      "not yaml",
		".hidden/x.yaml":       "groups:\n  - name: hidden\n",
		"teams/ops/ops.YAML":   "groups:\n  - name: ops\n",
		"permissions.yaml.bak": "garbage: [",
	})
	src, err := file.New("local", file.Config{Path: "desired"}, base)
	if err != nil {
		t.Fatal(err)
	}
	state, meta, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if meta.Kind != "file" || meta.Name != "local" || meta.Objects != (desired.Counts{Users: 1, Groups: 2}) {
		t.Errorf("meta %+v", meta)
	}
	if state.Groups["hidden"] != nil {
		t.Error("a file below a hidden directory was read")
	}
	if got := state.Groups["ops"].Pos.Of("").File; got != "desired/teams/ops/ops.YAML" {
		t.Errorf("file name in positions %q, want desired/teams/ops/ops.YAML", got)
	}
}

func TestSingleFile(t *testing.T) {
	base := t.TempDir()
	write(t, base, map[string]string{"access.yaml": "groups:\n  - name: devs\n", "other.yaml": "groups:\n  - name: other\n"})
	src, _ := file.New("local", file.Config{Path: "access.yaml"}, base)
	state, _, err := src.Load(t.Context())
	if err != nil || len(state.Groups) != 1 || state.Groups["devs"] == nil {
		t.Fatalf("%v %v", state, err)
	}
}

func TestDuplicateAcrossFilesNamesBoth(t *testing.T) {
	base := t.TempDir()
	write(t, base, map[string]string{"a.yaml": "groups:\n  - name: devs\n", "b/c.yaml": "groups:\n  - name: DEVS\n"})
	src, _ := file.New("local", file.Config{Path: "."}, base)
	_, _, err := src.Load(t.Context())
	want := `local: b/c.yaml:2:5: group "DEVS" is declared twice in this source (first at local: a.yaml:2:5)`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestMissingPath(t *testing.T) {
	if _, err := file.New("local", file.Config{}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "file.path is required") {
		t.Errorf("empty path: %v", err)
	}
	src, _ := file.New("local", file.Config{Path: "nope"}, t.TempDir())
	if _, _, err := src.Load(t.Context()); err == nil || !strings.Contains(err.Error(), "file.path nope: ") {
		t.Errorf("missing path: %v", err)
	}
}

func TestFilesAreReadInOrder(t *testing.T) {
	base := t.TempDir()
	write(t, base, map[string]string{"b.yaml": "users: [{username: x, status: on}]\n", "a/z.yaml": "users: [{username: y, status: on}]\n", "a.yaml": "users: [{username: z, status: on}]\n"})
	src, _ := file.New("local", file.Config{Path: "."}, base)
	state, _, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	err = desired.Validate(state)
	var files []string
	for _, e := range err.(*desired.ListError).Errors {
		files = append(files, e.Pos.File)
	}
	if want := []string{"a.yaml", "a/z.yaml", "b.yaml"}; !reflect.DeepEqual(files, want) {
		t.Errorf("errors in files %v, want %v", files, want)
	}
}
