// Package secret reads the secrets a config names: never from the config
// itself, always from an environment variable (a *_env key) or a file (a
// *_file key). Errors name the key and the variable or file, never the
// value.
package secret

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Ref is where a secret is: the environment variable and file named by a
// config's KEY_env and KEY_file settings.
type Ref struct {
	Key  string // the config key without the suffix, e.g. "jfrog.token"
	Env  string
	File string
}

// IsSet reports whether the config names the secret at all.
func (r Ref) IsSet() bool { return r.Env != "" || r.File != "" }

// ErrNotSet is returned by Read for a secret the config does not name.
var ErrNotSet = errors.New("not set")

// Read returns the secret. A file's trailing newline is dropped. Setting
// both the variable and the file, an unset or empty variable, and an
// unreadable or empty file are errors.
func (r Ref) Read() (string, error) {
	switch {
	case r.Env != "" && r.File != "":
		return "", fmt.Errorf("%s_env and %s_file are both set: choose one", r.Key, r.Key)
	case r.Env != "":
		v, ok := os.LookupEnv(r.Env)
		if !ok {
			return "", fmt.Errorf("%s_env: environment variable %s is not set", r.Key, r.Env)
		}
		if v == "" {
			return "", fmt.Errorf("%s_env: environment variable %s is empty", r.Key, r.Env)
		}
		return v, nil
	case r.File != "":
		data, err := os.ReadFile(r.File)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is named below; keep the message short
			}
			return "", fmt.Errorf("%s_file: cannot read %s: %w", r.Key, r.File, err)
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s_file: %s is empty", r.Key, r.File)
		}
		return v, nil
	}
	return "", fmt.Errorf("%s: %w: set %s_env or %s_file", r.Key, ErrNotSet, r.Key, r.Key)
}
