package profile

import "testing"

func TestArgHolds(t *testing.T) {
	tests := []struct {
		arg  Arg
		v    uint64
		want bool
	}{
		{Arg{Op: OpEqualTo, Value: 2}, 2, true},
		{Arg{Op: OpEqualTo, Value: 2}, 2 | 1<<32, false},
		{Arg{Op: OpNotEqual, Value: 2}, 3, true},
		{Arg{Op: OpLessThan, Value: 1 << 32}, 0xffffffff, true},
		{Arg{Op: OpLessEqual, Value: 5}, 5, true},
		{Arg{Op: OpGreaterThan, Value: 5}, 5, false},
		{Arg{Op: OpGreaterEqual, Value: 1 << 40}, 1<<40 + 1, true},
		{Arg{Op: OpMaskedEqual, Value: 3, ValueTwo: 0}, 4, true},
		{Arg{Op: OpMaskedEqual, Value: 3, ValueTwo: 0}, 1, false},
		// libseccomp masks the expected value: 0x1ff & 0xff == 0xff.
		{Arg{Op: OpMaskedEqual, Value: 0xff, ValueTwo: 0x1ff}, 0xff, true},
		{Arg{Op: OpMaskedEqual, Value: 0xff, ValueTwo: 0x1ff}, 0x1ff, true},
		{Arg{Op: OpMaskedEqual, Value: 0xff, ValueTwo: 0x1ff}, 0xfe, false},
	}
	for _, tt := range tests {
		if got := tt.arg.Holds(tt.v); got != tt.want {
			t.Errorf("%s value=%#x valueTwo=%#x on %#x = %v, want %v", tt.arg.Op, tt.arg.Value, tt.arg.ValueTwo, tt.v, got, tt.want)
		}
	}
}
