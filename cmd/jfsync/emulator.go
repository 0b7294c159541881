package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

type emulatorFlags struct {
	listen        string
	state         string
	token         string
	adminPassword string
	latency       time.Duration
	errorRate     float64
}

func newEmulatorCmd(g *globals) *cobra.Command {
	var f emulatorFlags
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve an in-memory JFrog Access API (for trials, demos and tests)",
		Long: `Serve an in-memory emulator of the JFrog Access REST API under /access, with
test hooks under /emulator. It serves until SIGINT or SIGTERM.

Without --token (or $JFSYNC_EMULATOR_TOKEN) an admin token is generated and
printed once on stderr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runEmulator(ctx, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8082", "address to listen on")
	fl.StringVar(&f.state, "state", "", "YAML state file to seed the emulator with (desired-state format plus tokens)")
	fl.StringVar(&f.token, "token", os.Getenv("JFSYNC_EMULATOR_TOKEN"), "admin bearer token (env JFSYNC_EMULATOR_TOKEN; generated when empty)")
	fl.StringVar(&f.adminPassword, "admin-password", "", "password of the basic-auth user admin (default: the token)")
	fl.DurationVar(&f.latency, "latency", 0, "latency added to every API call")
	fl.Float64Var(&f.errorRate, "error-rate", 0, "fraction of API calls answered 503 (0 to 1)")
	return cmd
}

func runEmulator(ctx context.Context, g *globals, f emulatorFlags) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	if f.errorRate < 0 || f.errorRate > 1 {
		return fmt.Errorf("--error-rate %v: want a fraction between 0 and 1", f.errorRate)
	}
	var state emulator.State
	if f.state != "" {
		if state, err = emulator.LoadStateFile(f.state); err != nil {
			return err
		}
	}
	if f.token == "" {
		f.token = randomToken()
		// Printed once, on purpose: the operator needs it to call the API.
		fmt.Fprintf(g.stderr, "jfsync emulator: generated admin token: %s\n", f.token)
	}
	srv, err := emulator.New(emulator.Options{Token: f.token, AdminPassword: f.adminPassword, State: state,
		Latency: f.latency, ErrorRate: f.errorRate, Version: buildVersion(), Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	log.Info("emulator listening", "url", "http://"+ln.Addr().String(), "api", "http://"+ln.Addr().String()+"/access", "state", f.state)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("emulator: %w", err)
	case <-ctx.Done():
	}
	log.Info("emulator stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("emulator shutdown: %w", err)
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}
