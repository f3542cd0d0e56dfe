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
			a.ObserveViolation(v)
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

// ObserveViolation keeps v under its profile (a violation with no Localhost profile is
// only counted by the monitor's own metrics). The state file and the status Lease
// follow within loggedSaveInterval.
func (a *Agent) ObserveViolation(v monitor.Violation) {
	if v.Node == "" {
		v.Node = a.cfg.NodeName
	}
	a.logged.Add(v)
}

// Logged is what the agent keeps of the syscalls logged under each profile.
func (a *Agent) Logged() LoggedState { return a.logged.State() }

// loggedSaveInterval is how often new logged syscalls are written to the state file and
// the status Lease: a burst of records costs one write, not one per record.
const loggedSaveInterval = 2 * time.Second

// saveLogged writes the state file when something new was logged and then asks for a
// sync, which renews the status Lease with it; it saves a last time when ctx ends.
func (a *Agent) saveLogged(ctx context.Context) {
	tick := time.NewTicker(loggedSaveInterval)
	defer tick.Stop()
	save := func() {
		wrote, err := a.logged.Save()
		if err != nil {
			a.log.Warn("logged syscalls not saved", "err", err)
			return
		}
		if wrote {
			a.observeLogged()
			a.kick()
		}
	}
	for {
		select {
		case <-ctx.Done():
			save()
			return
		case <-tick.C:
			save()
		}
	}
}

// observeLogged sets the logged-syscall metrics from the store.
func (a *Agent) observeLogged() {
	st := a.logged.State()
	sums := map[[2]string]int{}
	for _, l := range st.Entries {
		sums[[2]string{l.Profile, l.Syscall}] += l.Count
	}
	a.metrics.logged.Reset()
	for k, n := range sums {
		a.metrics.logged.WithLabelValues(k[0], k[1]).Set(float64(n))
	}
	a.metrics.loggedDropped.Set(float64(st.Dropped))
}
