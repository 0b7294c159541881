package secret_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/internal/secret"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("from-file-value\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	t.Setenv("JFSYNC_TEST_SECRET", "from-env-value")
	t.Setenv("JFSYNC_TEST_EMPTY", "")

	tests := []struct {
		ref     secret.Ref
		want    string
		wantErr string
	}{
		{secret.Ref{Key: "jfrog.token", Env: "JFSYNC_TEST_SECRET"}, "from-env-value", ""},
		{secret.Ref{Key: "jfrog.token", File: file}, "from-file-value", ""},
		{secret.Ref{Key: "jfrog.token", Env: "JFSYNC_TEST_UNSET_X"}, "", "jfrog.token_env: environment variable JFSYNC_TEST_UNSET_X is not set"},
		{secret.Ref{Key: "jfrog.token", Env: "JFSYNC_TEST_EMPTY"}, "", "jfrog.token_env: environment variable JFSYNC_TEST_EMPTY is empty"},
		{secret.Ref{Key: "jfrog.token", File: filepath.Join(dir, "nope")}, "", "jfrog.token_file: cannot read " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{secret.Ref{Key: "jfrog.token", File: empty}, "", "jfrog.token_file: " + empty + " is empty"},
		{secret.Ref{Key: "jfrog.token", Env: "A", File: file}, "", "jfrog.token_env and jfrog.token_file are both set: choose one"},
		{secret.Ref{Key: "jfrog.token"}, "", "jfrog.token: not set: set jfrog.token_env or jfrog.token_file"},
	}
	for _, tt := range tests {
		got, err := tt.ref.Read()
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%+v: error %v, want %q", tt.ref, err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "from-file-value") || strings.Contains(err.Error(), "from-env-value")) {
				t.Errorf("error %q holds a secret", err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v: %q, %v; want %q", tt.ref, got, err, tt.want)
		}
	}
	if _, err := (secret.Ref{Key: "k"}).Read(); !errors.Is(err, secret.ErrNotSet) {
		t.Errorf("unset secret: %v, want ErrNotSet", err)
	}
}
