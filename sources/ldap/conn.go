package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	goldap "github.com/go-ldap/ldap/v3"
)

// conn is a bound connection that counts its round trips and logs every
// search as the equivalent ldapsearch command line.
type conn struct {
	*goldap.Conn
	url    string
	bindDN string
	log    *slog.Logger
	trips  *atomic.Int64
}

// dial connects to the first URL that answers, and binds.
func (s *Source) dial(ctx context.Context) (*conn, error) {
	tlsConfig, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, raw := range s.cfg.URL {
		c, err := s.dialOne(ctx, raw, tlsConfig)
		if err == nil {
			return c, nil
		}
		if errors.Is(err, errBind) {
			return nil, err // the server answered: another one will say the same
		}
		s.log.Warn("ldap server unreachable, trying the next one", "url", raw, "error", err)
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("no LDAP server reachable: %w", errors.Join(errs...))
}

var errBind = errors.New("bind failed")

func (s *Source) dialOne(ctx context.Context, raw string, tlsConfig *tls.Config) (*conn, error) {
	dialer := &net.Dialer{Timeout: s.cfg.Timeout}
	l, err := goldap.DialURL(raw, goldap.DialWithDialer(dialer), goldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, unwrapNetwork(err))
	}
	l.SetTimeout(s.cfg.Timeout)
	// go-ldap takes no context: closing the connection ends a search in
	// flight when the context is done.
	stop := context.AfterFunc(ctx, func() { l.Close() })
	c := &conn{Conn: l, url: raw, bindDN: s.cfg.BindDN, log: s.log, trips: &s.trips}
	fail := func(err error) (*conn, error) {
		stop()
		l.Close()
		return nil, err
	}
	if s.cfg.StartTLS {
		c.trips.Add(1)
		tc := tlsConfig.Clone()
		if u, err := url.Parse(raw); err == nil && tc.ServerName == "" {
			tc.ServerName = u.Hostname()
		}
		if err := l.StartTLS(tc); err != nil {
			return fail(fmt.Errorf("%s: StartTLS: %w", raw, err))
		}
	}
	if s.cfg.BindDN != "" {
		c.trips.Add(1)
		if err := l.Bind(s.cfg.BindDN, s.password); err != nil {
			return fail(bindError(raw, s.cfg.BindDN, s.BindPasswordRef(), err))
		}
	}
	return c, nil
}

// BindPasswordRef names where the bind password comes from, for messages.
func (s *Source) BindPasswordRef() string {
	if s.cfg.BindPasswordEnv != "" {
		return "the password in $" + s.cfg.BindPasswordEnv
	}
	return "the password in " + s.cfg.BindPasswordFile
}

func bindError(url, dn, passwordRef string, err error) error {
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials):
		return fmt.Errorf("%w: %s: bind as %q: invalid credentials; check ldap.bind_dn and %s", errBind, url, dn, passwordRef)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultConfidentialityRequired), goldap.IsErrorWithCode(err, goldap.LDAPResultStrongAuthRequired):
		return fmt.Errorf("%w: %s: the server refuses a simple bind without TLS; use ldaps:// or start_tls: true", errBind, url)
	}
	return fmt.Errorf("%w: %s: bind as %q: %v", errBind, url, dn, err)
}

// unwrapNetwork keeps the cause of a dial error ("connection refused",
// "x509: ...") without go-ldap's wrapping.
func unwrapNetwork(err error) error {
	var le *goldap.Error
	if errors.As(err, &le) && le.Err != nil {
		return le.Err
	}
	return err
}

func (s *Source) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.cfg.InsecureSkipVerify}
	if s.cfg.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(s.cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("ldap.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ldap.ca_file %s: no PEM certificate in it", s.cfg.CAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// search runs a search, paged when pageSize > 0, and returns every entry.
// A size or time limit is an error, never a truncated result; search
// references (referrals) are skipped and logged at debug.
func (c *conn) search(what, base string, scope int, filter string, attrs []string, pageSize int) ([]*goldap.Entry, error) {
	c.log.Debug("ldap search", "what", what, "command", ldapsearchCommand(c.url, c.bindDN, base, scope, filter, attrs, pageSize))
	req := goldap.NewSearchRequest(base, scope, goldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	var paging *goldap.ControlPaging
	if pageSize > 0 {
		paging = goldap.NewControlPaging(uint32(pageSize))
		req.Controls = []goldap.Control{paging}
	}
	var entries []*goldap.Entry
	for {
		c.trips.Add(1)
		res, err := c.Search(req)
		if err != nil {
			return nil, searchError(what, base, err, len(entries)+entryCount(res))
		}
		entries = append(entries, res.Entries...)
		for _, ref := range res.Referrals {
			c.log.Debug("ldap search reference skipped", "what", what, "reference", ref)
		}
		if paging == nil {
			return entries, nil
		}
		ctrl, ok := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if !ok || len(ctrl.Cookie) == 0 {
			return entries, nil
		}
		paging.SetCookie(ctrl.Cookie)
	}
}

func entryCount(res *goldap.SearchResult) int {
	if res == nil {
		return 0
	}
	return len(res.Entries)
}

func searchError(what, base string, err error, got int) error {
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded):
		return fmt.Errorf("%s: the server's size limit stopped the search after %d entries; set ldap.page_size (paged results) or raise the limit for the bind DN: a truncated result is never used (%w)", what, got, err)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultTimeLimitExceeded):
		return fmt.Errorf("%s: the server's time limit stopped the search after %d entries; raise the limit or narrow the filter: a truncated result is never used (%w)", what, got, err)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		return fmt.Errorf("%s: base DN %q does not exist on the server; check its base_dn (%w)", what, base, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ldapsearchCommand is the ldapsearch command line that runs the same
// search (the password is asked for with -W, never shown).
func ldapsearchCommand(url, bindDN, base string, scope int, filter string, attrs []string, pageSize int) string {
	args := []string{"ldapsearch", "-H", url, "-x"}
	if bindDN != "" {
		args = append(args, "-D", shellQuote(bindDN), "-W")
	}
	args = append(args, "-b", shellQuote(base), "-s", [...]string{"base", "one", "sub"}[scope])
	if pageSize > 0 {
		args = append(args, "-E", fmt.Sprintf("pr=%d/noprompt", pageSize))
	}
	args = append(args, shellQuote(filter))
	for _, a := range attrs {
		args = append(args, shellQuote(a))
	}
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,=:@/", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
