package filter

import (
	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Stats describe a compiled program.
type Stats struct {
	// Instructions is the program length.
	Instructions int         `json:"instructions"`
	Arches       []ArchStats `json:"arches"`
}

// ArchStats are measured by running the program over every syscall in the
// architecture's table with all arguments zero.
type ArchStats struct {
	Arch syscalls.Arch `json:"arch"`
	// Allowed, Denied and ArgDependent classify the table's syscalls: allowed for every
	// argument (ALLOW or LOG), decided without looking at arguments otherwise, or
	// depending on arguments.
	Allowed      Count `json:"allowed"`
	Denied       Count `json:"denied"`
	ArgDependent Count `json:"argDependent"`
	// Cacheable is how many syscalls the kernel's action cache (Linux 5.11+) can mark
	// as always allowed, so that the filter does not even run for them. x32 numbers are
	// never cached.
	Cacheable int `json:"cacheable"`
	// AllowedNotCacheable lists allowed syscalls that the cache cannot skip.
	AllowedNotCacheable []string `json:"allowedNotCacheable,omitempty"`
}

// Count is a number of syscalls and the instructions executed for them.
type Count struct {
	Syscalls int     `json:"syscalls"`
	AvgInsns float64 `json:"avgInstructions"`
	MaxInsns int     `json:"maxInstructions"`
}

func (c *Count) add(executed int) {
	c.AvgInsns = (c.AvgInsns*float64(c.Syscalls) + float64(executed)) / float64(c.Syscalls+1)
	c.Syscalls++
	c.MaxInsns = max(c.MaxInsns, executed)
}

// Stats measures the program with the interpreter.
func (f *Filter) Stats() (Stats, error) {
	vm, err := bpf.NewVM(f.Program, f.Order())
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Instructions: len(f.Program)}
	for _, g := range f.m.Groups {
		for _, m := range g.Members {
			as := ArchStats{Arch: m.Arch}
			for _, e := range syscalls.Table(m.Arch) {
				d := bpf.Data{Nr: int32(e.Nr), Arch: g.Audit}
				ret, executed := vm.Run(&d)
				o := g.Outcome(uint32(e.Nr))
				switch {
				case !o.Constant():
					as.ArgDependent.add(executed)
				case ret == bpf.RetAllow || ret == bpf.RetLog:
					as.Allowed.add(executed)
					if ret == bpf.RetAllow && m.Arch != syscalls.X32 && !f.Program.ConstAllow(int32(e.Nr), g.Audit) {
						as.AllowedNotCacheable = append(as.AllowedNotCacheable, e.Name)
					}
				default:
					as.Denied.add(executed)
				}
				if m.Arch != syscalls.X32 && f.Program.ConstAllow(int32(e.Nr), g.Audit) {
					as.Cacheable++
				}
			}
			st.Arches = append(st.Arches, as)
		}
	}
	return st, nil
}
