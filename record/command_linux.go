package record

import (
	"context"
	"errors"
	"fmt"
)

// Command runs argv and records the syscalls of every process and thread it starts,
// until all of them have exited.
func Command(ctx context.Context, argv []string, opts Options) (*Result, error) {
	if len(argv) == 0 {
		return nil, errors.New("no command to record")
	}
	mode := opts.Mode
	if mode == "" {
		mode = ModeAuto
	}
	switch mode {
	case ModePtrace:
		return recordPtrace(ctx, argv, opts)
	case ModeEBPF:
		if opts.Args {
			return nil, fmt.Errorf("--args needs ptrace mode: eBPF mode counts syscalls without their arguments")
		}
		return recordEBPF(ctx, argv, opts)
	case ModeAuto:
		if opts.Args {
			return recordPtrace(ctx, argv, opts)
		}
		res, err := recordEBPF(ctx, argv, opts)
		var un *unavailableError
		if errors.As(err, &un) {
			// Nothing ran yet: record with ptrace instead.
			res, err = recordPtrace(ctx, argv, opts)
			if res != nil {
				res.Fallback = un.Error()
			}
		}
		return res, err
	}
	return nil, fmt.Errorf("unknown mode %q", mode)
}
