package lint

import "github.com/seccompctl/seccompctl/syscalls"

// DangerousSeverity is the severity of SC4001 for name (Info when it is not in
// syscalls.DangerList): error for the severe ones, warning for the risky, info for the minor.
func DangerousSeverity(name string) Severity {
	d, ok := syscalls.DangerOf(name)
	switch {
	case !ok || d.Level == syscalls.Minor:
		return Info
	case d.Level == syscalls.Severe:
		return Error
	}
	return Warning
}

func dangerSeverity(d syscalls.Danger) Severity { return DangerousSeverity(d.Name) }

// Dangerous reports whether name is in the catalogue of dangerous syscalls (SC4001),
// and why: syscalls.Dangerous, kept here for callers that think in lint's terms.
func Dangerous(name string) (reason string, ok bool) { return syscalls.Dangerous(name) }
