package syscalls

import "testing"

func TestArgQuirks(t *testing.T) {
	tests := []struct {
		arch   Arch
		name   string
		common int
		want   int
		ok     bool
	}{
		{X86_64, "clone", 0, 0, true},
		{AArch64, "clone", 0, 0, true},
		// CONFIG_CLONE_BACKWARDS2: the stack first, the flags second.
		{S390X, "clone", 0, 1, true},
		{S390, "clone", 1, 0, true},
		{X86_64, "mmap", 2, 2, true},
		// old_mmap: one pointer to a struct; prot is not an argument.
		{X86, "mmap", 2, 0, false},
		{S390X, "mmap", 2, 0, false},
		{X86_64, "not_described", 4, 4, true},
	}
	for _, tt := range tests {
		got, ok := ArgIndex(tt.arch, tt.name, tt.common)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ArgIndex(%v, %s, %d) = %d, %v; want %d, %v", tt.arch, tt.name, tt.common, got, ok, tt.want, tt.ok)
		}
	}
	args, ok := Args(S390X, "clone")
	if !ok || args[1].Name != "clone_flags" || args[1].Kind != KindFlags {
		t.Errorf("s390x clone: %v", args)
	}
	args, ok = Args(X86, "mmap")
	if !ok || len(args) != 1 || args[0].Kind != KindPtr {
		t.Errorf("x86 mmap: %v", args)
	}
	args, _ = Args(X86_64, "openat")
	args[0].Name = "changed"
	if again, _ := Args(X86_64, "openat"); again[0].Name == "changed" {
		t.Error("Args shares its result with later callers")
	}
}
