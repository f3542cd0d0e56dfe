package main

import (
	"slices"
	"strings"
	"testing"
)

func TestParseLdd(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []string
		err      string
	}{
		{
			name: "dynamic",
			in: "\tlinux-vdso.so.1 (0x00007ffd)\n" +
				"\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f67)\n" +
				"\t/lib64/ld-linux-x86-64.so.2 (0x00007f67)\n",
			want: []string{"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"},
		},
		{
			name: "missing library",
			in:   "\tliblzf.so.1 => not found\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n",
			err:  "liblzf.so.1 => not found",
		},
		{name: "static", in: "\tnot a dynamic executable\n", err: "no library"},
		{name: "nothing", in: "\tlinux-vdso.so.1 (0x1)\n", err: "no library"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLdd(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
