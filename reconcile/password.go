package reconcile

import (
	"crypto/rand"
	"math/big"
	"strings"
)

const (
	passwordLength = 32
	lower          = "abcdefghijklmnopqrstuvwxyz"
	upper          = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits         = "0123456789"
	symbols        = "!#%+-.:=?@_~"
)

// randomPassword returns a password for a user jfsync creates: 32
// characters from crypto/rand with every character class, so that
// password policies accept it. It is never stored, shown or logged: users
// sign in through LDAP, SAML or SSO.
func randomPassword() (string, error) {
	alphabet := lower + upper + digits + symbols
	for {
		var b strings.Builder
		for range passwordLength {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				return "", err
			}
			b.WriteByte(alphabet[n.Int64()])
		}
		pw := b.String()
		if strings.ContainsAny(pw, lower) && strings.ContainsAny(pw, upper) && strings.ContainsAny(pw, digits) && strings.ContainsAny(pw, symbols) {
			return pw, nil
		}
	}
}
