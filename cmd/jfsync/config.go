package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/sources/file"
	"github.com/jfsync/jfsync/sources/git"
	"github.com/jfsync/jfsync/sources/ldap"
)

// config is jfsync.yaml. Each package owns the type of its own section;
// this file composes them, checks what spans sections and resolves paths
// against the config file's directory.
type config struct {
	Version    int              `yaml:"version"`
	JFrog      access.Config    `yaml:"jfrog"`
	Sources    []sourceConfig   `yaml:"sources"`
	Schedule   string           `yaml:"schedule"`
	RunOnStart *bool            `yaml:"run_on_start"`
	Mode       string           `yaml:"mode"`
	Policy     reconcile.Policy `yaml:"policy"`
	Server     serverConfig     `yaml:"server"`
	Report     reportConfig     `yaml:"report"`
	Log        logConfig        `yaml:"log"`

	path string // the file it was read from
	dir  string // its directory
}

type sourceConfig struct {
	Name string `yaml:"name"`
	// AllowEmpty lets a source that returns no object at all through.
	AllowEmpty bool         `yaml:"allow_empty"`
	File       *file.Config `yaml:"file"`
	Git        *git.Config  `yaml:"git"`
	LDAP       *ldap.Config `yaml:"ldap"`
}

// kind is the source's kind, or "" when it sets none or several.
func (s sourceConfig) kind() string {
	var kinds []string
	if s.File != nil {
		kinds = append(kinds, "file")
	}
	if s.Git != nil {
		kinds = append(kinds, "git")
	}
	if s.LDAP != nil {
		kinds = append(kinds, "ldap")
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

type serverConfig struct {
	Listen            string `yaml:"listen"`
	TriggerTokenEnv   string `yaml:"trigger_token_env"`
	TriggerTokenFile  string `yaml:"trigger_token_file"`
	WebhookSecretEnv  string `yaml:"webhook_secret_env"`
	WebhookSecretFile string `yaml:"webhook_secret_file"`
}

type reportConfig struct {
	Dir  string `yaml:"dir"`
	Keep int    `yaml:"keep"`
}

type logConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// secretAlternative returns, for a key that would hold a secret, the keys
// to use instead.
func secretAlternative(key string) (string, bool) {
	switch key {
	case "token", "password", "bind_password", "trigger_token", "webhook_secret":
		return fmt.Sprintf("%s_env (an environment variable) or %s_file (a file)", key, key), true
	}
	return "", false
}

// loadConfig reads, decodes strictly and checks a config file. Every
// problem found is returned together.
func loadConfig(path string) (*config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if errs := literalSecrets(path, &root, ""); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cfg := &config{path: path, dir: filepath.Dir(path)}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, decodeError(path, err)
	}
	cfg.resolve()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// literalSecrets finds keys that would hold a secret in the file.
func literalSecrets(path string, n *yaml.Node, at string) []error {
	var errs []error
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			sub := at
			if n.Kind == yaml.SequenceNode {
				sub = fmt.Sprintf("%s[%d]", at, i)
			}
			errs = append(errs, literalSecrets(path, c, sub)...)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			key := strings.TrimPrefix(at+"."+k.Value, ".")
			if use, ok := secretAlternative(k.Value); ok {
				errs = append(errs, fmt.Errorf("%s:%d: %s: secrets are never written in the config; use %s", path, k.Line, key, use))
				continue
			}
			errs = append(errs, literalSecrets(path, n.Content[i+1], key)...)
		}
	}
	return errs
}

var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)

// decodeError turns yaml.v3's decode errors into file:line messages.
func decodeError(path string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var errs []error
	for _, msg := range te.Errors {
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			errs = append(errs, fmt.Errorf("%s:%s: unknown key %q (check its spelling and indentation)", path, m[1], m[2]))
			continue
		}
		if line, rest, ok := strings.Cut(strings.TrimPrefix(msg, "line "), ": "); ok {
			errs = append(errs, fmt.Errorf("%s:%s: %s", path, line, rest))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s", path, msg))
	}
	return errors.Join(errs...)
}

// resolve fills in defaults and resolves relative paths.
func (c *config) resolve() {
	c.JFrog.Resolve(c.dir)
	c.Policy.Resolve()
	for _, s := range c.Sources {
		if s.LDAP != nil {
			s.LDAP.Resolve(c.dir)
		}
	}
	if c.Mode == "" {
		c.Mode = "apply"
	}
	if c.Schedule == "" {
		c.Schedule = "*/15 * * * *"
	}
	if c.RunOnStart == nil {
		t := true
		c.RunOnStart = &t
	}
	if c.Server.Listen == "" {
		c.Server.Listen = "127.0.0.1:9117"
	}
	if c.Report.Keep == 0 {
		c.Report.Keep = 50
	}
	if c.Report.Dir != "" && !filepath.IsAbs(c.Report.Dir) {
		c.Report.Dir = filepath.Join(c.dir, c.Report.Dir)
	}
}

// check checks what each section and the config as a whole require.
func (c *config) check() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c.Version != 1 {
		add(fmt.Errorf("version: %d is not supported; this jfsync reads version: 1", c.Version))
	}
	errs = append(errs, prefixAll("", c.JFrog.Check())...)
	add(c.checkSources())
	if _, err := cron.ParseStandard(c.Schedule); err != nil {
		add(fmt.Errorf("schedule %q: %v (5 cron fields, or @every 10m, @hourly, ...)", c.Schedule, err))
	}
	if c.Mode != "apply" && c.Mode != "plan" {
		add(fmt.Errorf("mode %q: want apply or plan", c.Mode))
	}
	errs = append(errs, prefixAll("", c.Policy.Check())...)
	if c.Report.Keep < 0 {
		add(errors.New("report.keep may not be negative"))
	}
	if c.Log.Level != "" {
		if _, err := parseLevel(c.Log.Level); err != nil {
			add(fmt.Errorf("log.level: %w", err))
		}
	}
	if c.Log.Format != "" && c.Log.Format != "text" && c.Log.Format != "json" {
		add(fmt.Errorf("log.format %q: want text or json", c.Log.Format))
	}
	if len(errs) == 0 {
		return nil
	}
	for i, err := range errs {
		errs[i] = fmt.Errorf("%s: %w", c.path, err)
	}
	return errors.Join(errs...)
}

func (c *config) checkSources() error {
	if len(c.Sources) == 0 {
		return errors.New("sources: at least one source is required")
	}
	var errs []error
	seen := map[string]bool{}
	for i, s := range c.Sources {
		at := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is required", at))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("%s: the name %q is used twice", at, s.Name))
		}
		seen[s.Name] = true
		if s.kind() == "" {
			errs = append(errs, fmt.Errorf("%s (%s): set exactly one of file, git and ldap", at, s.Name))
		}
		if s.LDAP != nil {
			errs = append(errs, prefixAll(fmt.Sprintf("%s (%s): ", at, s.Name), s.LDAP.Check())...)
		}
	}
	return errors.Join(errs...)
}

// prefixAll splits a joined error into its errors, each prefixed.
func prefixAll(prefix string, err error) []error {
	if err == nil {
		return nil
	}
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	out := make([]error, len(list))
	for i, e := range list {
		out[i] = fmt.Errorf("%s%w", prefix, e)
	}
	return out
}
