// Package ldap is the source of desired state read from an LDAP or Active
// Directory server: users from a users search, groups from a groups search,
// and project memberships mapped from groups.
package ldap

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"gopkg.in/yaml.v3"

	"github.com/jfsync/jfsync/internal/secret"
)

// Config is the `ldap:` section of a source.
type Config struct {
	// URL is one ldap:// or ldaps:// URL, or a list tried in turn.
	URL                URLs          `yaml:"url"`
	StartTLS           bool          `yaml:"start_tls"`
	CAFile             string        `yaml:"ca_file"`
	InsecureSkipVerify bool          `yaml:"insecure_skip_verify"`
	BindDN             string        `yaml:"bind_dn"` // a DN, or on AD also user@domain or DOMAIN\user
	BindPasswordEnv    string        `yaml:"bind_password_env"`
	BindPasswordFile   string        `yaml:"bind_password_file"`
	PageSize           *int          `yaml:"page_size"` // 0 disables paging (default 500)
	Timeout            time.Duration `yaml:"timeout"`   // default 30s
	Users              UsersConfig   `yaml:"users"`
	Groups             GroupsConfig  `yaml:"groups"`
	Projects           []ProjectMap  `yaml:"projects"`
	// AllowEmpty lets a group search that finds nothing through; otherwise
	// it blocks the cycle.
	AllowEmpty bool `yaml:"allow_empty"`
}

// UsersConfig is the users search: every entry is a desired user.
type UsersConfig struct {
	BaseDN            string `yaml:"base_dn"`
	Filter            string `yaml:"filter"`
	UsernameAttribute string `yaml:"username_attribute"` // default uid
	EmailAttribute    string `yaml:"email_attribute"`    // default mail
	// DisabledFilter marks the entries that also match it as disabled.
	DisabledFilter string `yaml:"disabled_filter"`
}

// GroupsConfig is the groups search: every entry is a desired group.
type GroupsConfig struct {
	BaseDN              string `yaml:"base_dn"`
	Filter              string `yaml:"filter"`
	NameAttribute       string `yaml:"name_attribute"`   // default cn
	MemberAttribute     string `yaml:"member_attribute"` // member (default), uniqueMember or memberUid
	Nested              string `yaml:"nested"`           // none (default), expand or chain
	NameTemplate        string `yaml:"name_template"`
	DescriptionTemplate string `yaml:"description_template"`
	// RangeSize, when set, asks for member;range=0-(RangeSize-1) and reads
	// the rest range by range, as Active Directory wants for large groups
	// (its MaxValRange is 1500). Ranges the server starts on its own are
	// always followed.
	RangeSize int `yaml:"range_size"`
}

// ProjectMap makes the JFrog group of an LDAP group a member of a project.
type ProjectMap struct {
	Group   string   `yaml:"group"` // the LDAP group's name, before name_template
	Project string   `yaml:"project"`
	Roles   []string `yaml:"roles"`
}

// URLs is one URL or a list of them.
type URLs []string

// UnmarshalYAML takes a string or a list of strings.
func (u *URLs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*u = URLs{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return fmt.Errorf("line %d: ldap.url: want a URL or a list of URLs", n.Line)
	}
	*u = list
	return nil
}

// Nested group modes.
const (
	NestedNone   = "none"
	NestedExpand = "expand"
	NestedChain  = "chain"
)

// Defaults of the ldap section.
const (
	DefaultPageSize = 500
	DefaultTimeout  = 30 * time.Second
)

// Resolve fills in defaults and makes relative paths relative to baseDir.
func (c *Config) Resolve(baseDir string) {
	if c.PageSize == nil {
		n := DefaultPageSize
		c.PageSize = &n
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Users.UsernameAttribute == "" {
		c.Users.UsernameAttribute = "uid"
	}
	if c.Users.EmailAttribute == "" {
		c.Users.EmailAttribute = "mail"
	}
	if c.Groups.NameAttribute == "" {
		c.Groups.NameAttribute = "cn"
	}
	if c.Groups.MemberAttribute == "" {
		c.Groups.MemberAttribute = "member"
	}
	if c.Groups.Nested == "" {
		c.Groups.Nested = NestedNone
	}
	for _, p := range []*string{&c.CAFile, &c.BindPasswordFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
}

// BindPassword is where the bind password is.
func (c *Config) BindPassword() secret.Ref {
	return secret.Ref{Key: "ldap.bind_password", Env: c.BindPasswordEnv, File: c.BindPasswordFile}
}

// Check checks the section without contacting the server: URLs, the bind
// settings, DNs, filters (compiled), modes and templates. Each error names
// its key.
func (c *Config) Check() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.URL) == 0 {
		add("ldap.url is required")
	}
	for _, raw := range c.URL {
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			add("ldap.url %q: %v", raw, err)
		case u.Scheme != "ldap" && u.Scheme != "ldaps":
			add("ldap.url %q: want ldap:// or ldaps://", raw)
		case u.Scheme == "ldaps" && c.StartTLS:
			add("ldap.url %q: start_tls is for ldap:// URLs; ldaps:// is TLS already", raw)
		case u.User != nil:
			add("ldap.url %q: credentials in the URL are not allowed; use bind_dn and bind_password_env", u.Redacted())
		}
	}
	if c.BindDN != "" && !c.BindPassword().IsSet() {
		add("ldap.bind_dn is set: set bind_password_env or bind_password_file too")
	}
	checkDN := func(key, dn string) {
		if dn == "" {
			add("%s is required", key)
		} else if _, err := goldap.ParseDN(dn); err != nil {
			add("%s %q: %v", key, dn, err)
		}
	}
	// Active Directory also binds by user principal name (jfsync@example.org)
	// or down-level name (EXAMPLE\jfsync); anything with a '=' is a DN.
	if strings.Contains(c.BindDN, "=") {
		checkDN("ldap.bind_dn", c.BindDN)
	}
	checkDN("ldap.users.base_dn", c.Users.BaseDN)
	checkDN("ldap.groups.base_dn", c.Groups.BaseDN)
	checkFilter := func(key, filter string, required bool) {
		if filter == "" {
			if required {
				add("%s is required", key)
			}
			return
		}
		if _, err := goldap.CompileFilter(filter); err != nil {
			add("%s %q: %v", key, filter, err)
		}
	}
	checkFilter("ldap.users.filter", c.Users.Filter, true)
	checkFilter("ldap.users.disabled_filter", c.Users.DisabledFilter, false)
	checkFilter("ldap.groups.filter", c.Groups.Filter, true)
	if p := c.PageSize; p != nil && *p < 0 {
		add("ldap.page_size may not be negative")
	}
	if c.Groups.RangeSize < 0 {
		add("ldap.groups.range_size may not be negative")
	}
	switch strings.ToLower(c.Groups.MemberAttribute) {
	case "", "member", "uniquemember", "memberuid":
	default:
		add("ldap.groups.member_attribute %q: want member, uniqueMember or memberUid", c.Groups.MemberAttribute)
	}
	switch c.Groups.Nested {
	case "", NestedNone:
	case NestedExpand, NestedChain:
		if strings.EqualFold(c.Groups.MemberAttribute, "memberUid") {
			add("ldap.groups.nested %q follows member DNs, and memberUid holds usernames: use nested: none, or member_attribute member", c.Groups.Nested)
		}
	default:
		add("ldap.groups.nested %q: want none, expand or chain", c.Groups.Nested)
	}
	for key, text := range map[string]string{"ldap.groups.name_template": c.Groups.NameTemplate, "ldap.groups.description_template": c.Groups.DescriptionTemplate} {
		if _, err := ParseTemplate(key, text); err != nil {
			errs = append(errs, err)
		}
	}
	for i, p := range c.Projects {
		if p.Group == "" || p.Project == "" || len(p.Roles) == 0 {
			add("ldap.projects[%d]: group, project and roles are required", i)
		}
	}
	return errors.Join(errs...)
}

// ParseTemplate parses a name or description template with the functions
// templates may use: lower, upper, trimPrefix, trimSuffix, replace.
func ParseTemplate(key, text string) (*template.Template, error) {
	t, err := template.New(key).Option("missingkey=error").Funcs(template.FuncMap{
		"lower":      strings.ToLower,
		"upper":      strings.ToUpper,
		"trimPrefix": func(prefix, s string) string { return strings.TrimPrefix(s, prefix) },
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"replace":    func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return t, nil
}
