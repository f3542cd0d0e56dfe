package cli

import "fmt"

// Exit codes scripts can rely on.
const (
	ExitOK       = 0
	ExitFindings = 1 // lint findings, a failed --check, a test mismatch, diff found differences
	ExitUsage    = 2 // bad flags or arguments, unreadable or invalid input
)

// ExitError carries an exit code through cobra. Silent means the message was already
// printed (e.g. findings), so Main only sets the code.
type ExitError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError marks err as bad usage or bad input (exit 2).
func UsageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// FindingsError marks a run that worked but found problems (exit 1); the findings were
// already printed.
func FindingsError() error { return &ExitError{Code: ExitFindings, Silent: true} }

// FailError is exit 1 with a message.
func FailError(err error) error { return &ExitError{Code: ExitFindings, Err: err} }
