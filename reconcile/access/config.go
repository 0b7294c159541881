package access

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/jfsync/jfsync/internal/secret"
)

// Config is the `jfrog:` section of jfsync.yaml.
type Config struct {
	// URL is the platform URL; the API is at URL + "/access".
	URL string `yaml:"url"`
	// Embedded, instead of URL, names a state file (relative to the config)
	// that seeds an in-process emulator: for trials and demos.
	Embedded string `yaml:"embedded"`

	TokenEnv     string `yaml:"token_env"`
	TokenFile    string `yaml:"token_file"`
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`

	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`

	Timeout     time.Duration `yaml:"timeout"`
	Concurrency int           `yaml:"concurrency"`
	RateLimit   float64       `yaml:"rate_limit"`
	Retries     *int          `yaml:"retries"`
}

// Defaults of the jfrog section.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultConcurrency = 8
	DefaultRateLimit   = 20
	DefaultRetries     = 5
)

// Resolve fills in defaults and makes relative paths relative to baseDir
// (the config file's directory).
func (c *Config) Resolve(baseDir string) {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.Retries == nil {
		r := DefaultRetries
		c.Retries = &r
	}
	for _, p := range []*string{&c.Embedded, &c.TokenFile, &c.PasswordFile, &c.CAFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
}

func (c *Config) token() secret.Ref {
	return secret.Ref{Key: "jfrog.token", Env: c.TokenEnv, File: c.TokenFile}
}

func (c *Config) password() secret.Ref {
	return secret.Ref{Key: "jfrog.password", Env: c.PasswordEnv, File: c.PasswordFile}
}

// Check checks the section without reading secrets or contacting anyone.
func (c *Config) Check() error {
	var errs []error
	switch {
	case c.URL == "" && c.Embedded == "":
		errs = append(errs, errors.New("jfrog.url is required (or jfrog.embedded, for an in-process emulator)"))
	case c.URL != "" && c.Embedded != "":
		errs = append(errs, errors.New("jfrog.url and jfrog.embedded are both set: choose one"))
	case c.URL != "" && !c.token().IsSet() && (c.Username == "" || !c.password().IsSet()):
		errs = append(errs, errors.New("jfrog: set token_env or token_file, or username with password_env or password_file"))
	}
	if c.token().IsSet() && c.Username != "" {
		errs = append(errs, errors.New("jfrog: a token and a username are both set: choose one"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("jfrog.timeout may not be negative"))
	}
	if c.Concurrency < 0 {
		errs = append(errs, errors.New("jfrog.concurrency may not be negative"))
	}
	if c.RateLimit < 0 {
		errs = append(errs, errors.New("jfrog.rate_limit may not be negative"))
	}
	if c.Retries != nil && *c.Retries < 0 {
		errs = append(errs, errors.New("jfrog.retries may not be negative"))
	}
	return errors.Join(errs...)
}

// Options reads the secrets and returns the client options for this
// section (for a URL target; the embedded target has its own wiring).
func (c *Config) Options(userAgent string) (Options, error) {
	opts := Options{
		URL:       c.URL,
		Username:  c.Username,
		Timeout:   c.Timeout,
		RateLimit: c.RateLimit,
		UserAgent: userAgent,
	}
	if c.Retries != nil {
		opts.Retries = *c.Retries
	}
	var err error
	if c.token().IsSet() {
		opts.Token, err = c.token().Read()
	} else {
		opts.Password, err = c.password().Read()
	}
	if err != nil {
		return Options{}, err
	}
	tlsConfig, err := c.tlsConfig()
	if err != nil {
		return Options{}, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	transport.MaxIdleConnsPerHost = max(c.Concurrency, 2)
	opts.HTTPClient = &http.Client{Transport: transport}
	return opts, nil
}

func (c *Config) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("jfrog.ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("jfrog.ca_file %s: no PEM certificate in it", c.CAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
