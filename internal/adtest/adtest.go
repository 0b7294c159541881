// Package adtest starts a private Samba Active Directory domain controller
// for tests: provisioned into a temporary directory, serving LDAP on
// 127.0.0.1 only, with a TLS certificate for 127.0.0.1 from a test CA.
//
// Samba's ports are fixed (389, 636, 3268, 3269): one DC per machine at a
// time. Start takes a lock that other test processes wait on.
package adtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jfsync/jfsync/internal/ldaptest"
)

// The domain's fixed names.
const (
	Realm         = "EXAMPLE.ORG"
	BaseDN        = "DC=example,DC=org"
	UsersDN       = "CN=Users,DC=example,DC=org"
	AdminBind     = "Administrator@example.org"
	AdminPassword = "Adm1n-Passw0rd!"
	URL           = "ldap://127.0.0.1:389"
	LDAPS         = "ldaps://127.0.0.1:636"
)

// Server is a running domain controller.
type Server struct {
	CAFile string
	Dir    string
	cmd    *exec.Cmd
	done   chan struct{}
}

// lockFile serialises the DCs of every test process on the machine.
const lockFile = "/tmp/jfsync-samba-ad.lock"

// Start provisions a DC, applies ldif (LDIF, may be empty) offline with
// ldbmodify, starts samba and stops it when the test ends. Without Samba, or
// not as root, the test fails with what to do (under -short it is
// skipped); a port 389 already taken fails it with a message that says so.
func Start(t testing.TB, ldif string) *Server {
	t.Helper()
	if missing := missingTools(); missing != "" || os.Geteuid() != 0 {
		if testing.Short() {
			t.Skip("Samba AD is not available here")
		}
		if missing != "" {
			t.Fatalf("%s is missing: apt-get install samba samba-dsdb-modules samba-ad-provision samba-vfs-modules ldb-tools (make test installs them)", missing)
		}
		t.Fatal("the Samba AD tests run a domain controller and need root")
	}
	unlock := lock(t)
	t.Cleanup(unlock)
	if ln, err := net.Listen("tcp", "127.0.0.1:389"); err != nil {
		t.Fatalf("port 389 on 127.0.0.1 is taken (%v): the Active Directory tests start a Samba DC on it; stop the server that holds it", err)
	} else {
		ln.Close()
	}
	s := &Server{Dir: t.TempDir()}
	s.provision(t)
	if ldif != "" {
		s.load(t, ldif)
	}
	s.start(t)
	t.Cleanup(s.Stop)
	return s
}

func missingTools() string {
	for _, tool := range []string{"samba", "samba-tool", "ldbmodify"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool
		}
	}
	return ""
}

// lock waits for the machine-wide DC lock.
func lock(t testing.TB) func() {
	t.Helper()
	f, err := os.OpenFile(lockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }
}

func (s *Server) provision(t testing.TB) {
	t.Helper()
	out, err := exec.Command("samba-tool", "domain", "provision", "--targetdir="+s.Dir, "--realm="+Realm, "--domain=EXAMPLE",
		"--server-role=dc", "--dns-backend=NONE", "--use-rfc2307", "--adminpass="+AdminPassword, "--host-ip=127.0.0.1",
		"--option=interfaces=127.0.0.1", "--option=bind interfaces only=yes", "--option=server services=ldap").CombinedOutput()
	if err != nil {
		t.Fatalf("samba-tool domain provision: %v\n%s", err, out)
	}
	tlsDir := filepath.Join(s.Dir, "tls")
	os.Mkdir(tlsDir, 0o700)
	ca, cert, key := ldaptest.WriteCerts(t, tlsDir)
	s.CAFile = ca
	conf := filepath.Join(s.Dir, "etc", "smb.conf")
	text, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	// Simple binds over plain LDAP and StartTLS (tests), a log inside the
	// directory, and a certificate with an IP SAN (Samba's own has none).
	extra := fmt.Sprintf("[global]\n\tldap server require strong auth = no\n\ttls enabled = yes\n\ttls keyfile = %s\n\ttls certfile = %s\n\ttls cafile = %s\n\tlog file = %s\n",
		key, cert, ca, filepath.Join(s.Dir, "log.%m"))
	patched := strings.Replace(string(text), "[global]\n", extra, 1)
	patched = strings.Replace(patched, "\tlog file = /var/log/samba/log.%m\n", "", 1)
	if err := os.WriteFile(conf, []byte(patched), 0o600); err != nil {
		t.Fatal(err)
	}
}

// load applies LDIF (entries to add, and change records) to the
// directory before the DC starts: much faster than over LDAP.
func (s *Server) load(t testing.TB, ldif string) {
	t.Helper()
	p := filepath.Join(s.Dir, "data.ldif")
	if err := os.WriteFile(p, []byte(ldif), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ldbmodify", "-H", filepath.Join(s.Dir, "private", "sam.ldb"), p).CombinedOutput(); err != nil {
		t.Fatalf("ldbmodify: %v\n%s", err, out)
	}
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("samba", "-s", filepath.Join(s.Dir, "etc", "smb.conf"), "-i", "-M", "single")
	var out strings.Builder
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	// Its own process group, so that Stop ends every process it starts.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start samba: %v", err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ready("127.0.0.1:389") && ready("127.0.0.1:636") {
			return
		}
		select {
		case <-s.done:
			t.Fatalf("samba exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("samba did not listen within 30s:\n%s", out.String())
		}
	}
}

func ready(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// Stop stops the DC and every process it started.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	// The ports must be free for the next DC.
	for deadline := time.Now().Add(5 * time.Second); ready("127.0.0.1:389") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

// User is LDIF for an enabled (or disabled) user below CN=Users with a
// sAMAccountName, a userPrincipalName and a mail. Accounts need no
// password (PASSWD_NOTREQD), so that no password policy applies.
func User(sam string, disabled bool) string {
	uac := 544 // NORMAL_ACCOUNT | PASSWD_NOTREQD
	if disabled {
		uac |= 2 // ACCOUNTDISABLE
	}
	return fmt.Sprintf("dn: CN=%s,%s\nobjectClass: user\nsAMAccountName: %s\nuserPrincipalName: %s@example.org\nmail: %s@example.org\nuserAccountControl: %d\n\n",
		sam, UsersDN, sam, sam, sam, uac)
}

// Group is LDIF for a group below CN=Users with these member DNs.
func Group(name string, members ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: CN=%s,%s\nobjectClass: group\nsAMAccountName: %s\n", name, UsersDN, name)
	for _, m := range members {
		fmt.Fprintf(&b, "member: %s\n", m)
	}
	b.WriteString("\n")
	return b.String()
}

// DN is the DN of a user or group below CN=Users.
func DN(cn string) string { return "CN=" + cn + "," + UsersDN }
