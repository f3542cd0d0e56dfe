package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/monitor"
)

// startMonitor joins the audit multicast group and counts violations into the agent's
// metrics, logging each attributed one (at most 20 a second; the rest are counted).
func (a *Agent) startMonitor(ctx context.Context) error {
	records, err := audit.Listen(ctx)
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	res, err := monitor.NewCRIResolver(a.cfg.CRISocket)
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	m := &monitor.Monitor{Resolver: res, Node: a.cfg.NodeName}
	if err := m.Register(a.metrics.reg); err != nil {
		res.Close()
		return err
	}
	if err := m.WatchExecs(ctx); err != nil {
		a.log.Warn("processes that exit before their audit record is read stay unattributed", "error", err)
	}
	go func() {
		defer res.Close()
		var window time.Time
		logged, suppressed := 0, 0
		m.Run(ctx, records, func(v monitor.Violation) {
			now := time.Now()
			if now.Sub(window) >= time.Second {
				if suppressed > 0 {
					a.log.Info("seccomp violations not logged (rate limit)", "count", suppressed)
				}
				window, logged, suppressed = now, 0, 0
			}
			if logged >= 20 {
				suppressed++
				return
			}
			logged++
			a.log.Info("seccomp violation", "namespace", v.Namespace, "pod", v.Pod, "container", v.Container.Name,
				"syscall", v.Syscall, "action", v.Action, "arch", v.Arch, "pid", v.PID, "comm", v.Comm,
				"profile", v.Profile, "containerID", v.ID, "error", v.Error)
		})
	}()
	a.log.Info("monitoring seccomp violations", "cri", a.cfg.CRISocket)
	return nil
}
