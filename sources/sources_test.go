package sources_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/sources"
	"github.com/jfsync/jfsync/sources/file"
)

func fileSource(t *testing.T, name, content string) sources.Source {
	t.Helper()
	dir := t.TempDir()
	if content != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := name + ".yaml"
	if content == "" {
		path = "missing"
	}
	src, err := file.New(name, file.Config{Path: path}, dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestLoadAllMerges(t *testing.T) {
	res, err := sources.LoadAll(t.Context(), []sources.Source{
		fileSource(t, "a", "groups:\n  - name: devs\n    members: [alice]\nusers:\n  - username: alice\n"),
		fileSource(t, "b", "groups:\n  - name: devs\n    members: [bob]\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Metas) != 2 || res.Metas[0].Name != "a" || res.Metas[1].Objects.Groups != 1 {
		t.Errorf("metas %+v", res.Metas)
	}
	if got := strings.Join(res.State.Groups["devs"].Members, ","); got != "alice,bob" {
		t.Errorf("devs members %s", got)
	}
}

func TestLoadAllReportsEveryFailure(t *testing.T) {
	_, err := sources.LoadAll(t.Context(), []sources.Source{
		fileSource(t, "broken", "groups:\n  - name: a b\n    auto_join: maybe\n"),
		fileSource(t, "gone", ""),
		fileSource(t, "fine", "users:\n  - username: alice\n"),
	})
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`source "gone": file.path missing: stat `,
		`broken: broken.yaml:3:16: group "a b": auto_join: want true or false, got the string "maybe"`,
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], want[0]) || lines[1] != want[1] {
		t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestLoadAllValidatesTheMergedState(t *testing.T) {
	_, err := sources.LoadAll(t.Context(), []sources.Source{
		fileSource(t, "a", "users:\n  - username: alice\n    status: gone\n"),
		fileSource(t, "b", "users:\n  - username: alice\n    admin: true\n"),
		fileSource(t, "c", "users:\n  - username: alice\n    admin: false\n"),
	})
	want := "a: a.yaml:3:5: user \"alice\": status \"gone\" must be enabled or disabled\n" +
		"c: c.yaml:3:5: user \"alice\": admin false conflicts with true at b: b.yaml:3:5"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
