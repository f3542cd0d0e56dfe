package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
)

type monitorOptions struct {
	app       *App
	suggest   bool
	format    string
	input     string
	criSocket string
	node      string
	listen    string
	duration  time.Duration
	namespace string
	pod       string
	procRoot  string
}

func newCmdMonitor(app *App) *cobra.Command {
	opts := &monitorOptions{app: app}
	cmd := &cobra.Command{
		Use:   "monitor [--suggest] [--format text|json] [--input FILE] [--cri-socket PATH]",
		Short: "Show seccomp violations on this machine, attributed to pods",
		Long: `Read SECCOMP audit records (one per syscall a filter answered with SCMP_ACT_LOG, or with
another action when the filter was loaded with SECCOMP_FILTER_FLAG_LOG) live from the kernel's
audit multicast group, which needs root (CAP_AUDIT_READ) and no audit daemon, and attribute
each to its container: pid → container ID from /proc/PID/cgroup → pod, namespace and container
(and the seccomp profile it runs under) from the container runtime's CRI socket.

Unlike grepping dmesg or journalctl, which the kernel rate-limits to about ten records per
five seconds, nothing is lost. A process that exits before its record is read cannot be
attributed: it is shown with its pid, command and the reason.

--format json prints one JSON object per line. --suggest prints, when the input ends or on
Ctrl-C (or after --duration), the rule each profile needs to allow what it denied, in the
manner of audit2allow, noting syscalls that a rule allows only under argument conditions.
--input reads records from a file (audit.log, journalctl -k, dmesg; - for stdin) instead.
--listen serves Prometheus metrics (seccompctl_violations_total by namespace, pod, container,
syscall and action).

Exit codes: 0 done; 1 the audit socket or CRI could not be used; 2 bad flags or input.`,
		Example: `  # Watch violations on a node, as JSON lines
  sudo seccompctl monitor --format json

  # What does the web pod's profile lack? Exercise the app, then Ctrl-C
  sudo seccompctl monitor --suggest --namespace shop --pod web-7d9f

  # From a saved audit log
  seccompctl monitor --suggest --input /var/log/audit/audit.log`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runMonitor(opts) },
	}
	f := cmd.Flags()
	f.BoolVar(&opts.suggest, "suggest", false, "at the end, print the profile changes that would have allowed what was denied")
	formatFlag(cmd, &opts.format, "text", "json")
	f.StringVar(&opts.input, "input", "", "read audit records from FILE (- for stdin) instead of the kernel")
	f.StringVar(&opts.criSocket, "cri-socket", kube.DefaultCRISocket, "the container runtime's CRI socket (\"\" for none)")
	f.StringVar(&opts.node, "node", "", "node name written into each violation (default the host name)")
	f.StringVar(&opts.listen, "listen", "", "serve Prometheus /metrics on this address")
	f.DurationVar(&opts.duration, "duration", 0, "stop after this long (default: until Ctrl-C or the end of --input)")
	f.StringVarP(&opts.namespace, "namespace", "n", "", "only violations in this namespace")
	f.StringVar(&opts.pod, "pod", "", "only violations of this pod")
	f.StringVar(&opts.procRoot, "proc", "/proc", "the node's /proc (for a monitor in a container with the host's /proc mounted elsewhere)")
	return cmd
}

func runMonitor(opts *monitorOptions) error {
	if err := checkFormat(opts.format, "text", "json"); err != nil {
		return err
	}
	if opts.node == "" {
		opts.node, _ = os.Hostname()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if opts.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.duration)
		defer cancel()
	}

	records, err := monitorSource(ctx, opts)
	if err != nil {
		return err
	}
	m := &monitor.Monitor{ProcRoot: opts.procRoot, Node: opts.node}
	if opts.criSocket != "" {
		if _, err := os.Stat(strings.TrimPrefix(opts.criSocket, "unix://")); err == nil {
			res, err := monitor.NewCRIResolver(opts.criSocket)
			if err != nil {
				return UsageError(err)
			}
			defer res.Close()
			m.Resolver = res
		} else if opts.input == "" {
			fmt.Fprintf(opts.app.ErrOut, "%s: no CRI socket at %s: violations are attributed to container IDs only\n", opts.app.Name, opts.criSocket)
		}
	}
	if opts.input == "" {
		if err := m.WatchExecs(ctx); err != nil {
			fmt.Fprintf(opts.app.ErrOut, "%s: %v: processes that exit before their record is read stay unattributed\n", opts.app.Name, err)
		}
	}
	if opts.listen != "" {
		reg := prometheus.NewRegistry()
		if err := m.Register(reg); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", opts.listen)
		if err != nil {
			return UsageError(fmt.Errorf("--listen %s: %w", opts.listen, err))
		}
		srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}

	var sg monitor.Suggester
	enc := json.NewEncoder(opts.app.Out)
	enc.SetEscapeHTML(false)
	var werr error
	m.Run(ctx, records, func(v monitor.Violation) {
		if (opts.namespace != "" && v.Namespace != opts.namespace) || (opts.pod != "" && v.Pod != opts.pod) {
			return
		}
		if opts.suggest {
			sg.Add(v)
			return
		}
		if werr != nil {
			return
		}
		if opts.format == "json" {
			werr = enc.Encode(v)
		} else {
			_, werr = fmt.Fprintln(opts.app.Out, v.String())
		}
	})
	if werr != nil {
		return werr
	}
	if !opts.suggest {
		return nil
	}
	sgs := sg.Suggestions(func(path string) (*profile.Profile, error) { return loadProfile(opts.app, path) })
	if opts.format == "json" {
		if sgs == nil {
			sgs = []monitor.Suggestion{}
		}
		return writeJSON(opts.app.Out, sgs)
	}
	return monitor.WriteSuggestions(opts.app.Out, sgs)
}

// monitorSource is the kernel's audit stream, or the records of --input.
func monitorSource(ctx context.Context, opts *monitorOptions) (<-chan audit.SeccompRecord, error) {
	if opts.input == "" {
		ch, err := audit.Listen(ctx)
		if err != nil {
			return nil, FailError(err)
		}
		return ch, nil
	}
	var r io.Reader = opts.app.In
	var closer io.Closer
	if opts.input != "-" {
		f, err := os.Open(opts.input)
		if err != nil {
			return nil, UsageError(err)
		}
		r, closer = f, f
	}
	ch := make(chan audit.SeccompRecord, 64)
	go func() {
		defer close(ch)
		if closer != nil {
			defer closer.Close()
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			rec, err := audit.ParseSeccomp(sc.Text())
			if errors.Is(err, audit.ErrNotSeccomp) || err != nil {
				continue
			}
			select {
			case ch <- rec:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}
