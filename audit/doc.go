// Package audit reads the kernel's SECCOMP audit records (type 1326): live from the audit
// netlink multicast group (no auditd needed), or as text from audit.log, journalctl,
// dmesg, /dev/kmsg and syslog lines.
//
// The kernel writes one SECCOMP record for every syscall a filter answers with
// SECCOMP_RET_LOG, and for kill/trap/errno/trace/notify answers when the filter was
// installed with SECCOMP_FILTER_FLAG_LOG. Text logs fed from printk are rate-limited by
// the kernel (about ten records per five seconds when no audit daemon is running), so
// recording uses the netlink socket; the text parser is for importing what was kept.
package audit
