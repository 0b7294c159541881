package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/jfsync/jfsync/internal/secret"
	"github.com/jfsync/jfsync/metrics"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/server"
)

func newRunCmd(g *globals) *cobra.Command {
	var once bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: cycles on the schedule, the HTTP endpoints, the metrics",
		Long: `Run cycles on the config's schedule (and at start-up with run_on_start), in
mode apply or plan, and serve /metrics, /healthz, /readyz, the status page,
/api/v1/report, POST /api/v1/sync and POST /hooks/git. Every cycle re-reads
the config; an invalid one is reported and the last good one kept.
SIGTERM or SIGINT: no new cycle, the running call finishes, exit 0.

With --once: one cycle, then exit with the code apply would give.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemon(cmd, g, once)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "run one cycle and exit with apply's exit code")
	return cmd
}

// daemon holds what lives across cycles: the last good config and the
// JFrog client built from it (an embedded emulator keeps its state).
type daemon struct {
	path    string
	log     *slog.Logger
	metrics *metrics.Metrics
	sched   *reconcile.Scheduler

	cfg    *config
	client *access.Client
}

func runDaemon(cmd *cobra.Command, g *globals, once bool) error {
	cfg, log, err := g.load(cmd)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d := &daemon{path: g.config, log: log, metrics: metrics.New(reg, buildVersion()), cfg: cfg}
	if once {
		rep := d.cycle(cmd.Context())
		return exitFor(rep, true, false)
	}
	d.sched, err = reconcile.NewScheduler(cfg.Schedule, *cfg.RunOnStart, d.cycle, log, d.metrics)
	if err != nil {
		return err
	}
	srv, err := d.server(reg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("jfsync running", "listen", ln.Addr().String(), "schedule", cfg.Schedule, "mode", cfg.Mode, "version", buildVersion())

	ctx := cmd.Context()
	done := make(chan struct{})
	go func() { d.sched.Run(ctx); close(done) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("stopping: no new cycle; waiting for the running one")
	<-done
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// server builds the HTTP endpoints with the trigger and webhook secrets.
func (d *daemon) server(reg *prometheus.Registry) (*server.Server, error) {
	sc := d.cfg.Server
	s := &server.Server{Scheduler: d.sched, Registry: reg, Log: d.log}
	var err error
	if ref := (secret.Ref{Key: "server.trigger_token", Env: sc.TriggerTokenEnv, File: sc.TriggerTokenFile}); ref.IsSet() {
		if s.TriggerToken, err = ref.Read(); err != nil {
			return nil, err
		}
	} else {
		d.log.Warn("POST /api/v1/sync is off: set server.trigger_token_env to use it")
	}
	if ref := (secret.Ref{Key: "server.webhook_secret", Env: sc.WebhookSecretEnv, File: sc.WebhookSecretFile}); ref.IsSet() {
		if s.WebhookSecret, err = ref.Read(); err != nil {
			return nil, err
		}
	} else {
		d.log.Warn("POST /hooks/git is off: set server.webhook_secret_env to use it")
	}
	return s, nil
}

// cycle runs one cycle with the config as it is now, or the last good one
// when it no longer loads.
func (d *daemon) cycle(ctx context.Context) *reconcile.Report {
	if cfg, err := loadConfig(d.path); err != nil {
		d.log.Error("the config no longer loads; the last good one keeps serving", "error", err)
		d.notice(fmt.Sprintf("The config %s does not load; the last good one keeps serving: %v", d.path, err))
	} else {
		if !reflect.DeepEqual(cfg.JFrog, d.cfg.JFrog) {
			d.client = nil
		}
		d.cfg = cfg
		d.notice("")
	}
	runner, err := d.runner()
	if err != nil {
		rep := reconcile.Failed(modeOf(d.cfg), d.cfg.JFrog.URL, err)
		d.metrics.Cycle(rep.Mode, rep.Outcome(), nil, time.Now())
		d.log.Error("cycle not run", "error", err)
		return rep
	}
	rep := runner.Run(ctx, reconcile.RunOptions{Apply: d.cfg.Mode == reconcile.ModeApply})
	if d.cfg.Report.Dir != "" {
		if err := reconcile.SaveReport(d.cfg.Report.Dir, d.cfg.Report.Keep, rep); err != nil {
			d.log.Error("report not saved", "error", err)
		}
	}
	return rep
}

func (d *daemon) notice(msg string) {
	if d.sched != nil {
		d.sched.SetNotice(msg)
	}
}

// runner wires a cycle, reusing the JFrog client while its config is the
// same.
func (d *daemon) runner() (*reconcile.Runner, error) {
	if d.client == nil {
		c, err := newClient(d.cfg, d.log, d.metrics)
		if err != nil {
			return nil, err
		}
		d.client = c
	}
	r, err := newRunnerWith(d.cfg, d.log, d.client)
	if err != nil {
		return nil, err
	}
	r.Metrics = d.metrics
	return r, nil
}

// modeOf is the mode of the daemon's cycles.
func modeOf(cfg *config) string {
	if cfg.Mode == reconcile.ModePlan {
		return reconcile.ModePlan
	}
	return reconcile.ModeApply
}
