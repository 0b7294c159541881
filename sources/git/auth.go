package git

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// setAuth prepares the credentials the URL's protocol takes: a token for
// HTTPS, a key for SSH (host keys always checked), none for git:// and
// file://.
func (s *Source) setAuth() error {
	ep, err := transport.NewEndpoint(s.cfg.URL)
	if err != nil {
		return fmt.Errorf("git.url: %w", err)
	}
	if ep.Password != "" {
		return errors.New("git.url: credentials in the URL are not allowed; use git.token_env or git.token_file")
	}
	hasToken := s.tokenRef().IsSet()
	switch ep.Protocol {
	case "https", "http":
		if s.cfg.SSHKeyFile != "" {
			return fmt.Errorf("git.ssh_key_file is for ssh:// URLs, not %s", ep.Protocol)
		}
		if !hasToken {
			return nil
		}
		token, err := s.tokenRef().Read()
		if err != nil {
			return err
		}
		user := s.cfg.Username
		if user == "" {
			user = "git"
		}
		s.token = token
		s.auth = &githttp.BasicAuth{Username: user, Password: token}
	case "ssh":
		if hasToken {
			return errors.New("git.token_env and git.token_file are for https:// URLs; ssh:// takes git.ssh_key_file")
		}
		if s.cfg.SSHKeyFile == "" {
			return errors.New("git.ssh_key_file is required for ssh:// URLs")
		}
		user := ep.User
		if user == "" {
			user = "git"
		}
		keys, err := gitssh.NewPublicKeysFromFile(user, s.cfg.SSHKeyFile, "")
		if err != nil {
			return fmt.Errorf("git.ssh_key_file %s: %w", s.cfg.SSHKeyFile, err)
		}
		var files []string
		if s.cfg.KnownHostsFile != "" {
			files = append(files, s.cfg.KnownHostsFile)
		}
		callback, err := gitssh.NewKnownHostsCallback(files...)
		if err != nil {
			return fmt.Errorf("git.known_hosts_file: %w (host keys are always checked)", err)
		}
		keys.HostKeyCallback = callback
		s.auth = keys
	case "git", "file":
		if hasToken || s.cfg.SSHKeyFile != "" {
			return fmt.Errorf("%s:// URLs take no credentials", ep.Protocol)
		}
	default:
		return fmt.Errorf("git.url: protocol %q is not supported; use https://, ssh://, git:// or file://", ep.Protocol)
	}
	return nil
}
