// Package promotion turns a complain-mode profile (defaultAction SCMP_ACT_LOG) and the
// violations the monitor logged under it into the enforcing profile: every logged
// syscall added with where and when it was seen, the enforced default restored, and
// the checks that decide whether promotion may happen yet (lint, dangerous syscalls,
// how long the profile has been clean).
package promotion
