package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes (DESIGN section 5).
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2
	exitBlocked = 3
)

// exitError carries an exit code other than 1 out of a command.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// globals are the flags every command has.
type globals struct {
	config    string
	logLevel  string
	logFormat string
	stdout    io.Writer
	stderr    io.Writer
}

// load reads the config and builds the logger it asks for; config
// problems are printed, one per line.
func (g *globals) load(cmd *cobra.Command) (*config, *slog.Logger, error) {
	cfg, err := loadConfig(g.config)
	if err != nil {
		return nil, nil, problems(g.stderr, err)
	}
	log, err := g.loggerFor(cmd, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, log, nil
}

// loggerFor builds the logger of a command that read a config: the
// config's log section, unless a flag says otherwise.
func (g *globals) loggerFor(cmd *cobra.Command, cfg *config) (*slog.Logger, error) {
	flags := cmd.Flags()
	if cfg.Log.Level != "" && !flags.Changed("log-level") {
		g.logLevel = cfg.Log.Level
	}
	if cfg.Log.Format != "" && !flags.Changed("log-format") {
		g.logFormat = cfg.Log.Format
	}
	return g.logger()
}

// logger builds the logger the flags ask for; logs go to stderr.
func (g *globals) logger() (*slog.Logger, error) {
	level, err := parseLevel(g.logLevel)
	if err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(g.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", g.logFormat)
}

func parseLevel(s string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
	}
	return level, nil
}

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "jfsync",
		Short:         "Keep JFrog users, groups, permissions and projects equal to a declared desired state",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	defaultConfig := "./jfsync.yaml"
	if env := os.Getenv("JFSYNC_CONFIG"); env != "" {
		defaultConfig = env
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&g.config, "config", "c", defaultConfig, "config file (env JFSYNC_CONFIG)")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(newVersionCmd(g), newValidateCmd(g), newPlanCmd(g), newApplyCmd(g), newRunCmd(g), newEmulatorCmd(g))
	return root
}

// run runs the command line and returns the exit code. SIGINT and SIGTERM
// cancel the running command: nothing new starts, the call in flight
// finishes.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, args, stdout, stderr)
}

// execute runs the command line until ctx ends and returns the exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintf(stderr, "jfsync: %v\n", err)
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	return exitError
}
