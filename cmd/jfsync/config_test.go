package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "jfsync.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = `version: 1
jfrog:
  url: https://acme.jfrog.io
  token_env: JFROG_ACCESS_TOKEN
sources:
  - name: local
    file: {path: ./desired}
`

func TestLoadConfigDefaults(t *testing.T) {
	p := writeConfig(t, minimal)
	cfg, err := loadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JFrog.Timeout.String() != "30s" || cfg.JFrog.Concurrency != 8 || *cfg.JFrog.Retries != 5 || cfg.JFrog.RateLimit != 20 {
		t.Errorf("jfrog defaults %+v", cfg.JFrog)
	}
	if cfg.Mode != "apply" || !*cfg.RunOnStart || cfg.Server.Listen != "127.0.0.1:9117" || cfg.Report.Keep != 50 {
		t.Errorf("defaults %+v", cfg)
	}
	if *cfg.Policy.MaxDeletes != 25 || *cfg.Policy.MaxDeletePercent != 20 || cfg.Policy.Prune.Users != "ignore" || cfg.Policy.Manage.Groups[0] != "*" {
		t.Errorf("policy defaults %+v", cfg.Policy)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, config string
		want         []string
	}{
		{"literal token", strings.Replace(minimal, "token_env: JFROG_ACCESS_TOKEN", "token: s3cr3t-value", 1),
			[]string{":4: jfrog.token: secrets are never written in the config; use token_env (an environment variable) or token_file (a file)"}},
		{"literal bind password", minimal + "  - name: corp\n    ldap:\n      bind_password: hunter2\n",
			[]string{":10: sources[1].ldap.bind_password: secrets are never written in the config; use bind_password_env"}},
		{"literal webhook secret", minimal + "server:\n  webhook_secret: x\n  trigger_token: y\n",
			[]string{":9: server.webhook_secret: secrets are never written", ":10: server.trigger_token: secrets are never written"}},
		{"unknown key", minimal + "polcy: {}\n", []string{`:8: unknown key "polcy" (check its spelling and indentation)`}},
		{"unknown nested key", strings.Replace(minimal, "file: {path: ./desired}", "file: {path: ./desired, recursive: true}", 1),
			[]string{`:7: unknown key "recursive"`}},
		{"wrong type", minimal + "run_on_start: sometimes\n", []string{":8: cannot unmarshal !!str `sometimes` into bool"}},
		{"bad duration", strings.Replace(minimal, "token_env: JFROG_ACCESS_TOKEN", "token_env: T\n  timeout: 30", 1),
			[]string{":5: cannot unmarshal !!int `30` into time.Duration"}},
		{"no sources", "version: 1\njfrog: {url: https://x, token_env: T}\n", []string{"sources: at least one source is required"}},
		{"two kinds", "version: 1\njfrog: {url: https://x, token_env: T}\nsources:\n  - name: a\n    file: {path: x}\n    git: {url: https://x}\n",
			[]string{"sources[0] (a): set exactly one of file, git and ldap"}},
		{"duplicate name", minimal + "  - name: local\n    file: {path: x}\n", []string{`sources[1]: the name "local" is used twice`}},
		{"url and embedded", strings.Replace(minimal, "url: https://acme.jfrog.io", "url: https://acme.jfrog.io\n  embedded: live.yaml", 1),
			[]string{"jfrog.url and jfrog.embedded are both set: choose one"}},
		{"bad glob", minimal + "policy:\n  manage:\n    groups: ['[team']\n", []string{`policy.manage.groups: pattern "[team": syntax error in pattern`}},
		{"bad ldap", minimal + "  - name: corp\n    ldap:\n      url: http://ldap\n      users: {base_dn: 'dc=x', filter: '(uid=*'}\n      groups: {base_dn: 'not a dn', filter: '(cn=*)', nested: deep}\n",
			[]string{
				`sources[1] (corp): ldap.url "http://ldap": want ldap:// or ldaps://`,
				`sources[1] (corp): ldap.users.filter "(uid=*":`,
				`sources[1] (corp): ldap.groups.base_dn "not a dn":`,
				`sources[1] (corp): ldap.groups.nested "deep": want none, expand or chain`,
			}},
		{"bad template", minimal + "  - name: corp\n    ldap:\n      url: ldap://ldap\n      users: {base_dn: 'dc=x', filter: '(uid=*)'}\n      groups: {base_dn: 'dc=x', filter: '(cn=*)', name_template: '{{ .Name | lower'}\n",
			[]string{`sources[1] (corp): ldap.groups.name_template: template: ldap.groups.name_template:1: unclosed action`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.config)
			_, err := loadConfig(p)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%s\nwant a line containing %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
			for _, secret := range []string{"s3cr3t-value", "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
		})
	}
}

func TestRelativePathsResolveAgainstTheConfig(t *testing.T) {
	p := writeConfig(t, strings.Replace(minimal, "url: https://acme.jfrog.io", "embedded: live.yaml", 1)+"report: {dir: reports}\n")
	cfg, err := loadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(p)
	if cfg.JFrog.Embedded != filepath.Join(dir, "live.yaml") || cfg.Report.Dir != filepath.Join(dir, "reports") {
		t.Errorf("embedded %q, report dir %q: want them below %s", cfg.JFrog.Embedded, cfg.Report.Dir, dir)
	}
}
