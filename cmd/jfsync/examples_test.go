package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/jfsync/jfsync/internal/gittest"
	"github.com/jfsync/jfsync/internal/ldaptest"
)

// example copies an example directory and returns the copy's config,
// after the replacements (old, new, old, new, ...).
func example(t *testing.T, name, config string, replace ...string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("..", "..", "examples", name))); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dst, config)
	text := mustRead(t, p)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(text, replace[i]) {
			t.Fatalf("%s/%s has no %q to replace", name, config, replace[i])
		}
		text = strings.ReplaceAll(text, replace[i], replace[i+1])
	}
	os.WriteFile(p, []byte(text), 0o600)
	return p
}

func validates(t *testing.T, config string) {
	t.Helper()
	stdout, stderr, code := jfsync(t, "validate", "-c", config)
	if code != 0 {
		t.Fatalf("validate %s: exit %d\n%s%s", config, code, stdout, stderr)
	}
}

// exampleDirectory has the LDAP groups of examples/ldap-group-sync.
var exampleDirectory = ldaptest.Person("alice") + ldaptest.Person("bob", "employeeType: disabled") +
	ldaptest.Group("jfrog-web-devs", ldaptest.PersonDN("alice"), ldaptest.GroupDN("jfrog-web-leads")) +
	ldaptest.Group("jfrog-web-leads", ldaptest.PersonDN("bob"))

func TestExampleLDAPGroupSync(t *testing.T) {
	s := ldaptest.Start(t, exampleDirectory)
	t.Setenv("LDAP_BIND_PASSWORD", ldaptest.ReaderPassword)
	// The first URL is dead: the second one serves, as it would in a
	// fail-over.
	config := example(t, "ldap-group-sync", "jfsync.yaml",
		"ldaps://ldap1.example.com:636", "ldaps://127.0.0.1:1",
		"ldaps://ldap2.example.com:636", s.LDAPS,
		"/etc/ssl/corp-ca.pem", s.CAFile)
	stdout, stderr, code := jfsync(t, "validate", "-c", config)
	if code != 0 || !strings.Contains(stdout, "corp      ldap  users 2  groups 2  permissions 0  projects 1") {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestExampleGitPolicyAsCode(t *testing.T) {
	up := gittest.New(t)
	srv := up.ServeHTTP("example-git-token")
	t.Setenv("GIT_TOKEN", "example-git-token")
	config := example(t, "git-policy-as-code", "jfsync.yaml",
		"https://git.example.com/platform/jfrog-access.git", srv.URL+"/access.git",
		"/var/lib/jfsync/git", t.TempDir())
	validates(t, config)
}

func TestExampleDriftReport(t *testing.T) {
	validates(t, example(t, "drift-report", "jfsync.yaml"))
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is missing: apt-get install prometheus (make test installs it)")
	}
	if out, err := exec.Command(promtool, "check", "rules", "../../examples/drift-report/alerts.yaml").CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

func TestExampleKubernetes(t *testing.T) {
	dir := "../../examples/kubernetes"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	var configmap map[string]any
	for _, e := range entries {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(mustRead(t, filepath.Join(dir, e.Name()))), &doc); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if doc["apiVersion"] == nil || doc["kind"] == nil {
			t.Errorf("%s: not a Kubernetes object", e.Name())
		}
		kind, _ := doc["kind"].(string)
		kinds[kind] = true
		if kind == "ConfigMap" {
			configmap = doc
		}
	}
	for _, k := range []string{"Deployment", "Service", "ServiceMonitor", "Secret", "ConfigMap", "CronJob"} {
		if !kinds[k] {
			t.Errorf("no %s in examples/kubernetes", k)
		}
	}
	deployment := mustRead(t, filepath.Join(dir, "deployment.yaml"))
	for _, probe := range []string{"path: /healthz", "path: /readyz", "secretRef: {name: jfsync}"} {
		if !strings.Contains(deployment, probe) {
			t.Errorf("the Deployment has no %q", probe)
		}
	}
	up := gittest.New(t)
	srv := up.ServeHTTP("k8s-git-token")
	t.Setenv("GIT_TOKEN", "k8s-git-token")
	config := configmap["data"].(map[string]any)["jfsync.yaml"].(string)
	config = strings.ReplaceAll(config, "https://git.example.com/platform/jfrog-access.git", srv.URL+"/access.git")
	config = strings.ReplaceAll(config, "/var/cache/jfsync/git", t.TempDir())
	p := filepath.Join(t.TempDir(), "jfsync.yaml")
	os.WriteFile(p, []byte(config), 0o600)
	validates(t, p)
}

func TestExampleQuickstart(t *testing.T) {
	validates(t, example(t, "quickstart", "jfsync.yaml"))
}
