package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/jfsync/jfsync/metrics"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

type cycleFlags struct {
	format   string
	out      string
	detailed bool
	force    bool
}

func newPlanCmd(g *globals) *cobra.Command {
	var f cycleFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show the changes that would make JFrog equal the desired state",
		Long: `Read the sources and the live state, and report the changes apply would make.
Exit 0 on success (with --detailed-exitcode: and no changes), 2 with
--detailed-exitcode when there are changes, 1 on an error, 3 when a guard
blocks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCycle(cmd, g, f, false)
		},
	}
	addReportFlags(cmd, &f)
	cmd.Flags().BoolVar(&f.detailed, "detailed-exitcode", false, "exit 2 when the plan has changes")
	return cmd
}

func newApplyCmd(g *globals) *cobra.Command {
	var f cycleFlags
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Make JFrog equal the desired state",
		Long: `Read the sources and the live state, plan, and apply the changes. Exit 0 when
everything applied, 1 on an error or a change that failed, 3 when a guard
blocks (nothing is applied).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCycle(cmd, g, f, true)
		},
	}
	addReportFlags(cmd, &f)
	cmd.Flags().BoolVar(&f.force, "force", false, "apply even when max_deletes or max_delete_percent blocks")
	return cmd
}

func addReportFlags(cmd *cobra.Command, f *cycleFlags) {
	cmd.Flags().StringVarP(&f.format, "output", "o", "text", "report format: text, json, markdown or html")
	cmd.Flags().StringVar(&f.out, "out", "", "write the report to this file instead of stdout")
}

func runCycle(cmd *cobra.Command, g *globals, f cycleFlags, apply bool) error {
	switch f.format {
	case reconcile.FormatText, reconcile.FormatJSON, reconcile.FormatMarkdown, reconcile.FormatHTML:
	default:
		return fmt.Errorf("-o %q: want text, json, markdown or html", f.format)
	}
	cfg, log, err := g.load(cmd)
	if err != nil {
		return err
	}
	runner, err := newRunner(cfg, log)
	if err != nil {
		return err
	}
	rep := runner.Run(cmd.Context(), reconcile.RunOptions{Apply: apply, Force: f.force})
	if err := writeReport(g, rep, f); err != nil {
		return err
	}
	return exitFor(rep, apply, f.detailed)
}

// newRunner wires a cycle from the config: the sources, the JFrog client
// (or the embedded emulator) and the policy.
func newRunner(cfg *config, log *slog.Logger) (*reconcile.Runner, error) {
	client, err := newClient(cfg, log, nil)
	if err != nil {
		return nil, err
	}
	return newRunnerWith(cfg, log, client)
}

// newRunnerWith wires a cycle with a JFrog client.
func newRunnerWith(cfg *config, log *slog.Logger, client *access.Client) (*reconcile.Runner, error) {
	srcs, err := buildSources(cfg, log)
	if err != nil {
		return nil, err
	}
	allow := map[string]bool{}
	for _, s := range cfg.Sources {
		allow[s.Name] = s.AllowEmpty || (s.LDAP != nil && s.LDAP.AllowEmpty)
	}
	target := cfg.JFrog.URL
	if cfg.JFrog.Embedded != "" {
		target = "embedded emulator (" + relPath(cfg.JFrog.Embedded) + ")"
	}
	return &reconcile.Runner{Sources: srcs, AllowEmpty: allow, Client: client, Target: target, Policy: cfg.Policy,
		Concurrency: cfg.JFrog.Concurrency, Grace: cfg.JFrog.Timeout, Log: log}, nil
}

// newClient returns the JFrog client of the config: the platform at
// jfrog.url, or an in-process emulator seeded from jfrog.embedded. Its
// requests feed m (which may be nil).
func newClient(cfg *config, log *slog.Logger, m *metrics.Metrics) (*access.Client, error) {
	userAgent := "jfsync/" + buildVersion()
	observe := func(ri access.RequestInfo) { m.Request(ri.Method, ri.Route, ri.StatusCode, ri.Duration) }
	if cfg.JFrog.Embedded == "" {
		opts, err := cfg.JFrog.Options(userAgent)
		if err != nil {
			return nil, err
		}
		if cfg.JFrog.InsecureSkipVerify {
			log.Warn("jfrog.insecure_skip_verify is set: the JFrog server's certificate is not checked")
		}
		opts.Observe = observe
		return access.New(opts)
	}
	state, err := emulator.LoadStateFile(cfg.JFrog.Embedded)
	if err != nil {
		return nil, fmt.Errorf("jfrog.embedded: %w", err)
	}
	token := randomToken()
	emu, err := emulator.New(emulator.Options{Token: token, State: state, Version: "embedded " + filepath.Base(cfg.JFrog.Embedded)})
	if err != nil {
		return nil, err
	}
	return access.New(access.Options{URL: "http://embedded.jfsync.invalid", Token: token, UserAgent: userAgent, HTTPClient: emu.Client(),
		Timeout: cfg.JFrog.Timeout, Observe: observe})
}

// writeReport writes the report to --out, or to stdout.
func writeReport(g *globals, rep *reconcile.Report, f cycleFlags) error {
	if f.out == "" {
		return reconcile.Write(g.stdout, rep, f.format, f.format == reconcile.FormatText && isTerminal(g.stdout))
	}
	dir := filepath.Dir(f.out)
	tmp, err := os.CreateTemp(dir, ".jfsync-report-*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := reconcile.Write(tmp, rep, f.format, false); err != nil {
		tmp.Close()
		return fmt.Errorf("--out: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return os.Rename(tmp.Name(), f.out)
}

// isTerminal reports whether w is a terminal that takes colours.
func isTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	info, err := file.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// exitFor maps a cycle's report to the exit code of DESIGN section 5.
func exitFor(rep *reconcile.Report, apply, detailed bool) error {
	switch rep.Outcome() {
	case reconcile.OutcomeFailure:
		if len(rep.Errors) > 0 {
			return &exitCodeError{code: exitError, err: fmt.Errorf("%s failed: %s", rep.Mode, rep.Errors[0])}
		}
		return &exitCodeError{code: exitError, err: fmt.Errorf("apply: %d changes failed", rep.Count(reconcile.ResultFailed))}
	case reconcile.OutcomeBlocked:
		return &exitCodeError{code: exitBlocked, err: fmt.Errorf("%s blocked by %s: nothing was applied", rep.Mode, rep.Blocked[0].Guard)}
	}
	if !apply && detailed && rep.HasChanges() {
		return &exitCodeError{code: exitChanges, err: errSilent}
	}
	return nil
}

// errSilent carries an exit code without a message.
var errSilent = errors.New("")

// relPath shows a path relative to the working directory when it is below
// it.
func relPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}
