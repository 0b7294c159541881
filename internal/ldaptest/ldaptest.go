// Package ldaptest starts a private OpenLDAP slapd for tests: from a
// temporary directory, on 127.0.0.1, with the core, cosine, inetorgperson
// and nis schemas, the memberof overlay, "sizelimit 500" so that paging is
// exercised, and a self-signed CA for StartTLS and LDAPS.
package ldaptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The directory's fixed names.
const (
	BaseDN         = "dc=example,dc=com"
	AdminDN        = "cn=admin,dc=example,dc=com"
	AdminPassword  = "admin-secret"
	ReaderDN       = "cn=jfsync,ou=services,dc=example,dc=com"
	ReaderPassword = "reader-Secret-42"
	PeopleDN       = "ou=people,dc=example,dc=com"
	GroupsDN       = "ou=groups,dc=example,dc=com"
)

// Server is a running slapd.
type Server struct {
	URL    string // ldap://127.0.0.1:PORT
	LDAPS  string // ldaps://127.0.0.1:PORT
	CAFile string // the CA that signed the server's certificate
	Dir    string

	t    testing.TB
	cmd  *exec.Cmd
	conf string
	done chan struct{}
}

// slapdPath is where Debian's slapd package puts the server.
const slapdPath = "/usr/sbin/slapd"

// Start starts a slapd loaded with the base entries and ldif (LDIF, may be
// empty), bulk-loaded with slapadd before the server starts. It is stopped
// when the test ends. Without slapd, the test fails with how to install it
// (under -short it is skipped).
func Start(t testing.TB, ldif string) *Server {
	t.Helper()
	if _, err := os.Stat(slapdPath); err != nil {
		if testing.Short() {
			t.Skip("slapd is not installed")
		}
		t.Fatal("slapd is not installed: apt-get install slapd ldap-utils (make test installs them)")
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, t: t, conf: filepath.Join(dir, "slapd.conf")}
	s.CAFile, _, _ = WriteCerts(t, dir)
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.conf, []byte(config(dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data.ldif")
	if err := os.WriteFile(data, []byte(baseLDIF+"\n"+ldif), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/usr/sbin/slapadd", "-q", "-f", s.conf, "-l", data).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// start runs slapd in the foreground (-d 0) as a child it can wait on.
func (s *Server) start() {
	s.t.Helper()
	ldapPort, ldapsPort := freePort(s.t), freePort(s.t)
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", ldapPort)
	s.LDAPS = fmt.Sprintf("ldaps://127.0.0.1:%d", ldapsPort)
	s.cmd = exec.Command(slapdPath, "-d", "0", "-f", s.conf, "-h", s.URL+"/ "+s.LDAPS+"/")
	var stderr strings.Builder
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start slapd: %v", err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ldapPort)); err == nil {
			c.Close()
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("slapd exited: %s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("slapd did not listen within 10s: %s", stderr.String())
		}
	}
}

// Stop stops the server (again is a no-op).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// Restart starts the server again on new ports with the same data.
func (s *Server) Restart() {
	s.Stop()
	s.start()
}

// Modify applies LDIF change records with ldapmodify, bound as the admin.
func (s *Server) Modify(ldif string) {
	s.t.Helper()
	cmd := exec.Command("ldapmodify", "-x", "-H", s.URL, "-D", AdminDN, "-w", AdminPassword)
	cmd.Stdin = strings.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("ldapmodify: %v\n%s", err, out)
	}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// config is slapd.conf. The rootdn ignores size limits, so tests bind as
// the reader to exercise paging; size.prtotal=unlimited lets paged searches
// go past the hard limit, as directories configured for sync do.
func config(dir string) string {
	return fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/server.pem
TLSCertificateKeyFile %[1]s/server.key
sizelimit 500
database mdb
maxsize 1073741824
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
index objectClass eq
index uid,cn,memberUid eq
index member,uniqueMember eq
overlay memberof
limits users size.prtotal=unlimited
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
`, dir, BaseDN, AdminDN, AdminPassword)
}

const baseLDIF = `dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=com
objectClass: organizationalUnit
ou: groups

dn: ou=services,dc=example,dc=com
objectClass: organizationalUnit
ou: services

dn: cn=jfsync,ou=services,dc=example,dc=com
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: jfsync
userPassword: ` + ReaderPassword + `
`

// WriteCerts writes a CA (ca.pem) and a server certificate for 127.0.0.1
// (server.pem, server.key: libldap checks the IP, not "localhost") into
// dir and returns their paths.
func WriteCerts(t testing.TB, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey := mustKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jfsync test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey := mustKey(t)
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("server.pem", "CERTIFICATE", srvDER)
	write("server.key", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(srvKey))
	return filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
}

// OtherCA writes a CA that signed nothing, for wrong-CA tests.
func OtherCA(t testing.TB) string {
	ca, _, _ := WriteCerts(t, t.TempDir())
	return ca
}

func mustKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Users returns LDIF for n inetOrgPerson entries user0000.. below
// ou=people, with mail.
func Users(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "dn: uid=user%04d,%s\nobjectClass: inetOrgPerson\nuid: user%04d\ncn: User %d\nsn: %d\nmail: user%04d@example.com\n\n", i, PeopleDN, i, i, i, i)
	}
	return b.String()
}

// Person is LDIF for an inetOrgPerson below ou=people with a mail, and
// extra "attribute: value" lines.
func Person(uid string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nmail: %s@example.com\n",
		uid, PeopleDN, uid, uid, uid, strings.ToLower(uid))
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	return b.String() + "\n"
}

// Group is LDIF for a groupOfNames below ou=groups with these members
// (DNs; see PersonDN and GroupDN).
func Group(cn string, members ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: groupOfNames\ncn: %s\n", GroupDN(cn), cn)
	for _, m := range members {
		b.WriteString("member: " + m + "\n")
	}
	return b.String() + "\n"
}

// PersonDN and GroupDN are the DNs of a person and a group.
func PersonDN(uid string) string { return "uid=" + uid + "," + PeopleDN }

// GroupDN is the DN of a group below ou=groups.
func GroupDN(cn string) string { return "cn=" + cn + "," + GroupsDN }
