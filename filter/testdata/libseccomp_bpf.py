"""Compile seccomp filters with libseccomp, for seccompctl's differential tests.

Runs under Debian's /usr/bin/python3 with python3-seccomp. Reads one JSON job a line on
stdin and writes one JSON result a line on stdout, so that one process serves a whole
batch of profiles.

Job:    {"id": 1, "def": <ret>, "arches": ["X86_64", "X86"], "opt": 1 or 2,
         "rules": [[<ret>, "name", [[index, "EQ", a, b], ...]], ...]}
        where <ret> is a SECCOMP_RET_* value (action | data), rules are added in order
        with seccomp_rule_add (what runc uses) and args are scmp_arg_cmp fields.
Result: {"id": 1, "bpf": "<base64 of the program in host byte order>"} or
        {"id": 1, "err": "<rule index>: <error>"} when libseccomp refuses a rule.

With "repeat": N the job is compiled N times and the result carries "ns", the median
wall time of one compilation (filter set-up, rules, export), and "cpu_ns", the mean
CPU time of one, which a busy machine inflates less.

A job {"id": 2, "resolve": [["X86", "socket"], ...]} instead returns
{"id": 2, "nrs": [...]}: libseccomp's number for each name (seccomp_syscall_resolve_name
with rewriting, as python3-seccomp offers it), negative when it does not know the name.
"""
import base64
import json
import os
import sys
import tempfile
import time

import seccomp

ACTIONS = {
    0x7FFF0000: lambda d: seccomp.ALLOW,
    0x7FFC0000: lambda d: seccomp.LOG,
    0x00000000: lambda d: seccomp.KILL,
    0x80000000: lambda d: seccomp.KILL_PROCESS,
    0x00030000: lambda d: seccomp.TRAP,
    0x00050000: lambda d: seccomp.ERRNO(d),
    0x7FF00000: lambda d: seccomp.TRACE(d),
    0x7FC00000: lambda d: seccomp.NOTIFY,
}

OPS = {
    "NE": seccomp.NE, "LT": seccomp.LT, "LE": seccomp.LE, "EQ": seccomp.EQ,
    "GE": seccomp.GE, "GT": seccomp.GT, "MASKED_EQ": seccomp.MASKED_EQ,
}


def action(ret):
    return ACTIONS[ret & 0xFFFF0000](ret & 0xFFFF)


def resolve_job(job):
    nrs = []
    for arch, name in job["resolve"]:
        try:
            nrs.append(seccomp.resolve_syscall(getattr(seccomp.Arch, arch), name))
        except Exception:
            nrs.append(-1)
    return {"id": job["id"], "nrs": nrs}


def compile_job(job):
    if "resolve" in job:
        return resolve_job(job)
    try:
        f = seccomp.SyscallFilter(action(job["def"]))
    except Exception as e:  # e.g. ERRNO(4095)
        return {"id": job["id"], "err": "default: %r" % e}
    arches = [getattr(seccomp.Arch, a) for a in job["arches"]]
    native = seccomp.system_arch()
    if native not in arches:
        f.remove_arch(seccomp.Arch.NATIVE)
    for a in arches:
        if not f.exist_arch(a):
            f.add_arch(a)
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, job.get("opt", 1))
    for i, (ret, name, args) in enumerate(job.get("rules") or []):
        cmp = [seccomp.Arg(idx, OPS[op], a, b) for idx, op, a, b in args]
        try:
            f.add_rule(action(ret), name, *cmp)
        except Exception as e:  # libseccomp refuses, e.g. EEXIST for conflicting rules
            return {"id": job["id"], "err": "%d: %r" % (i, e)}
    with tempfile.TemporaryFile() as t:
        f.export_bpf(t)
        t.seek(0)
        return {"id": job["id"], "bpf": base64.b64encode(t.read()).decode()}


def timed_job(job):
    times = []
    cpu = time.process_time_ns()
    for _ in range(job["repeat"]):
        start = time.perf_counter_ns()
        res = compile_job(job)
        times.append(time.perf_counter_ns() - start)
    res["cpu_ns"] = (time.process_time_ns() - cpu) // job["repeat"]
    times.sort()
    res["ns"] = times[len(times) // 2]
    return res


def main():
    for line in sys.stdin:
        if line.strip():
            job = json.loads(line)
            res = timed_job(job) if job.get("repeat") else compile_job(job)
            print(json.dumps(res), flush=False)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
