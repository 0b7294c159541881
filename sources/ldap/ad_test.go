package ldap_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/internal/adtest"
	"github.com/jfsync/jfsync/sources/ldap"
)

// adDirectory has users (one disabled), groups nested four levels deep in
// a loop, and a group of 1,600 members for ranged retrieval.
func adDirectory() string {
	var b strings.Builder
	for _, u := range []string{"alice", "bob", "dave", "erin"} {
		b.WriteString(adtest.User(u, false))
	}
	b.WriteString(adtest.User("carol", true))
	var big []string
	for i := range 1600 {
		name := fmt.Sprintf("u%04d", i)
		b.WriteString(adtest.User(name, false))
		big = append(big, adtest.DN(name))
	}
	b.WriteString(adtest.Group("jfrog-leaf", adtest.DN("erin")))
	b.WriteString(adtest.Group("jfrog-mid", adtest.DN("dave"), adtest.DN("jfrog-leaf")))
	b.WriteString(adtest.Group("jfrog-top", adtest.DN("alice"), adtest.DN("jfrog-mid")))
	b.WriteString(adtest.Group("jfrog-loop", adtest.DN("bob"), adtest.DN("jfrog-top")))
	b.WriteString(adtest.Group("jfrog-big", big...))
	// Close the loop: leaf -> loop -> top -> mid -> leaf.
	fmt.Fprintf(&b, "dn: %s\nchangetype: modify\nadd: member\nmember: %s\n-\n\n", adtest.DN("jfrog-leaf"), adtest.DN("jfrog-loop"))
	return b.String()
}

func adConfig(edit func(*ldap.Config)) ldap.Config {
	cfg := ldap.Config{
		URL:             ldap.URLs{adtest.URL},
		BindDN:          adtest.AdminBind,
		BindPasswordEnv: "TEST_AD_PASSWORD",
		Timeout:         10 * time.Second,
		Users:           ldap.UsersConfig{BaseDN: adtest.UsersDN, Filter: "(&(objectClass=user)(objectCategory=person)(mail=*))", UsernameAttribute: "sAMAccountName"},
		Groups: ldap.GroupsConfig{BaseDN: adtest.UsersDN, Filter: "(&(objectClass=group)(cn=jfrog-*))",
			NameTemplate: `{{ .Name | trimPrefix "jfrog-" }}`, RangeSize: 1500},
	}
	if edit != nil {
		edit(&cfg)
	}
	cfg.Resolve("")
	return cfg
}

func adLoad(t *testing.T, cfg ldap.Config, log *slog.Logger) (*desired.State, *ldap.Source) {
	t.Helper()
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	src, err := ldap.New("ad", cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	state, _, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return state, src
}

func memberships(s *desired.State) map[string]string {
	out := map[string]string{}
	for k, g := range s.Groups {
		out[k] = strings.Join(g.Members, ",")
	}
	return out
}

// TestActiveDirectory runs the LDAP source against a Samba AD DC: one DC
// for all the cases, as its ports are fixed.
func TestActiveDirectory(t *testing.T) {
	dc := adtest.Start(t, adDirectory())
	t.Setenv("TEST_AD_PASSWORD", adtest.AdminPassword)

	t.Run("users by sAMAccountName with mail", func(t *testing.T) {
		state, _ := adLoad(t, adConfig(nil), nil)
		u := state.Users["alice"]
		if u == nil || *u.Email != "alice@example.org" || len(state.Users) != 1605 {
			t.Fatalf("alice %+v, %d users (want 1605)", u, len(state.Users))
		}
	})
	t.Run("users by userPrincipalName", func(t *testing.T) {
		state, _ := adLoad(t, adConfig(func(c *ldap.Config) { c.Users.UsernameAttribute = "userPrincipalName" }), nil)
		if state.Users["alice@example.org"] == nil {
			t.Fatalf("no user alice@example.org among %d users", len(state.Users))
		}
	})
	t.Run("disabled accounts", func(t *testing.T) {
		state, _ := adLoad(t, adConfig(func(c *ldap.Config) { c.Users.DisabledFilter = "(userAccountControl:1.2.840.113556.1.4.803:=2)" }), nil)
		if st := state.Users["carol"].Status; st == nil || *st != "disabled" {
			t.Errorf("carol %v, want disabled", st)
		}
		if st := state.Users["alice"].Status; st == nil || *st != "enabled" {
			t.Errorf("alice %v, want enabled", st)
		}
	})
	t.Run("chain gives the members expand gives", func(t *testing.T) {
		chain, _ := adLoad(t, adConfig(func(c *ldap.Config) { c.Groups.Nested = "chain" }), nil)
		expand, _ := adLoad(t, adConfig(func(c *ldap.Config) { c.Groups.Nested = "expand" }), nil)
		got, want := memberships(chain), memberships(expand)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("chain:\n%v\nexpand:\n%v", got, want)
		}
		// The loop: every group of it has every member of it.
		if got["top"] != "alice,bob,dave,erin" || got["leaf"] != "alice,bob,dave,erin" || len(chain.Groups["big"].Members) != 1600 {
			t.Errorf("top %q, leaf %q, big %d members", got["top"], got["leaf"], len(chain.Groups["big"].Members))
		}
	})
	t.Run("ranged retrieval reads every member", func(t *testing.T) {
		state, src := adLoad(t, adConfig(nil), nil)
		if n := len(state.Groups["big"].Members); n != 1600 {
			t.Errorf("big has %d members, want 1600", n)
		}
		unranged, plain := adLoad(t, adConfig(func(c *ldap.Config) { c.Groups.RangeSize = 0 }), nil)
		if n := len(unranged.Groups["big"].Members); n != 1600 {
			t.Errorf("big read without ranges has %d members, want 1600", n)
		}
		if src.RoundTrips() <= plain.RoundTrips() {
			t.Errorf("%d round trips with ranges, %d without: the second range was not asked for", src.RoundTrips(), plain.RoundTrips())
		}
	})
	t.Run("search references from the domain root are skipped", func(t *testing.T) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		state, _ := adLoad(t, adConfig(func(c *ldap.Config) { c.Users.BaseDN, c.Groups.BaseDN = adtest.BaseDN, adtest.BaseDN }), log)
		if len(state.Users) != 1605 || len(state.Groups) != 5 {
			t.Errorf("%d users, %d groups", len(state.Users), len(state.Groups))
		}
		if !strings.Contains(logs.String(), "ldap search reference skipped") || !strings.Contains(logs.String(), "CN=Configuration,DC=example,DC=org") {
			t.Errorf("no search reference in the debug log:\n%.2000s", logs.String())
		}
	})
	t.Run("LDAPS and StartTLS with the test CA", func(t *testing.T) {
		for name, edit := range map[string]func(*ldap.Config){
			"ldaps":    func(c *ldap.Config) { c.URL, c.CAFile = ldap.URLs{adtest.LDAPS}, dc.CAFile },
			"starttls": func(c *ldap.Config) { c.StartTLS, c.CAFile = true, dc.CAFile },
		} {
			state, _ := adLoad(t, adConfig(edit), nil)
			if len(state.Users) != 1605 {
				t.Errorf("%s: %d users", name, len(state.Users))
			}
		}
	})
}
